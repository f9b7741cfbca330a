-- Daily new positives (confirmed and asymptomatic), counted on the day of confirmation,
-- up to $as_of. One row per day and classification.

with positives as (
    select
        cast(confirmed_at as date) as confirmed_on,
        classification
    from cases
    where confirmed_at <= $as_of
      and classification in ('confirmed', 'asymptomatic')
),

per_day as (
    select confirmed_on, classification, count(*) as new_positives
    from positives
    group by confirmed_on, classification
)

select * from per_day
order by confirmed_on, classification
