-- The agents index is read on every decision: without the GIN pending list (fastupdate), a lookup
-- never has to scan unmerged entries, which made it the slowest part of the history query.
DROP INDEX touches_agents;
CREATE INDEX touches_agents ON touches USING gin (agents) WITH (fastupdate = off) WHERE NOT undone;
