-- Support reports of the risk areas in scope.
select * from base_risk_area_support_reports
where risk_area_id in (select risk_area_id from risk_areas)
