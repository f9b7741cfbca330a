-- Test only (tests/test_query_limits.py): a query that runs for minutes, to be stopped by the
-- time limit. Ten thousand billion pairs, counted.

with pairs as (
    select a.range as a, b.range as b
    from range(100000000) a
    cross join range(100000) b
)

select count(*) as pairs_summing_to_seven
from pairs
where a + b = $target
