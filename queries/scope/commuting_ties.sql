-- Trips between two of the user's districts only: a tie names two districts, and both must be theirs.
select * from base_commuting_ties
where from_district_code in (select district_code from scope_districts)
  and to_district_code in (select district_code from scope_districts)
