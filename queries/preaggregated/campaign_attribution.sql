-- The part of campaign_attribution.sql answered from the pre-aggregations (mart/preaggregates.sql) when
-- queries/routes.py allows it: each campaign's cost in scope, from the campaigns by place.
results as (
    select campaign_id, campaign_name, channel::varchar as channel, end_on, cost_in_scope
    from campaign_results_in_geo($start_on, $end_on, $scope)
)
