-- Business objects are facts PEA keeps: the attributes a caller gave a `@source("caller")` object
-- (e.g. a Payment) with the first action PEA recorded on it (an allow, or an approval opened for
-- it). Later requests are judged on these; one describing the object differently is denied.
CREATE TABLE business_objects (
  object_type text NOT NULL,
  object_id text NOT NULL,
  attributes jsonb NOT NULL,
  decision_id text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (object_type, object_id)
);
