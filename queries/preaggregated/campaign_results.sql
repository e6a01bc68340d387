-- The part of campaign_results.sql answered from the pre-aggregations (mart/preaggregates.sql) when
-- queries/routes.py allows it: each campaign's cost in scope and what it brought, from the campaigns by place.
results as (
    select *
    from campaign_results_in_geo($start_on, $end_on, $scope)
)
