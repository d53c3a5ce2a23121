/**
 * The registry's SQL schema, as versioned migrations. Applied in order inside one transaction
 * under an advisory lock, so two processes starting at once do not both migrate. Never edit a
 * released migration: add a new one.
 */

/** One schema change. `sql` may hold several statements; `{schema}` is the quoted schema name. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'models, training configs, usage events',
    sql: `
CREATE TABLE {schema}.llm_models (
  id text PRIMARY KEY,
  owner_id text,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  provider text NOT NULL,
  base_url text,
  model_id text NOT NULL,
  context_length integer,
  max_output_tokens integer,
  supports_streaming boolean NOT NULL,
  supports_functions boolean NOT NULL,
  enabled boolean NOT NULL,
  api_key jsonb,
  tags text[] NOT NULL DEFAULT '{}',
  provenance jsonb,
  options jsonb,
  training_method text GENERATED ALWAYS AS (provenance->>'trainingMethod') STORED,
  base_model text GENERATED ALWAYS AS (provenance->>'baseModel') STORED,
  fine_tuned_from text GENERATED ALWAYS AS (provenance->>'fineTunedFrom') STORED,
  source_repo_id text GENERATED ALWAYS AS (provenance->'source'->>'repoId') STORED,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision integer NOT NULL
);
CREATE UNIQUE INDEX llm_models_owner_name ON {schema}.llm_models (owner_id, name) NULLS NOT DISTINCT;
CREATE INDEX llm_models_order ON {schema}.llm_models ((name COLLATE "C"), (coalesce(owner_id, '') COLLATE "C"), (id COLLATE "C"));
CREATE INDEX llm_models_provider ON {schema}.llm_models (provider);
CREATE INDEX llm_models_owner ON {schema}.llm_models (owner_id);
CREATE INDEX llm_models_tags ON {schema}.llm_models USING gin (tags);
CREATE INDEX llm_models_training_method ON {schema}.llm_models (training_method);
CREATE INDEX llm_models_base_model ON {schema}.llm_models (base_model);
CREATE INDEX llm_models_fine_tuned_from ON {schema}.llm_models (fine_tuned_from);
CREATE INDEX llm_models_source_repo_id ON {schema}.llm_models (source_repo_id);

CREATE TABLE {schema}.llm_training_configs (
  id text PRIMARY KEY,
  owner_id text,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  template_type text,
  config jsonb NOT NULL,
  valid boolean NOT NULL,
  errors jsonb NOT NULL,
  warnings jsonb NOT NULL,
  times_used integer NOT NULL DEFAULT 0,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision integer NOT NULL
);
CREATE UNIQUE INDEX llm_training_configs_owner_name ON {schema}.llm_training_configs (owner_id, name) NULLS NOT DISTINCT;

CREATE TABLE {schema}.llm_usage_events (
  seq bigserial PRIMARY KEY,
  model_record_id text NOT NULL,
  started_at timestamptz NOT NULL,
  total_ms double precision NOT NULL,
  time_to_first_token_ms double precision,
  input_tokens integer NOT NULL,
  output_tokens integer NOT NULL,
  estimated boolean NOT NULL,
  error_code text,
  session_id text,
  tags text[] NOT NULL DEFAULT '{}',
  event jsonb NOT NULL
);
CREATE INDEX llm_usage_events_model ON {schema}.llm_usage_events (model_record_id, started_at);
`,
  },
  {
    version: 2,
    name: 'per-owner usage, training config link, aliases',
    sql: `
ALTER TABLE {schema}.llm_usage_events ADD COLUMN owner_id text;
ALTER TABLE {schema}.llm_models ADD COLUMN training_config_id text GENERATED ALWAYS AS (provenance->>'trainingConfigId') STORED;
CREATE INDEX llm_models_training_config_id ON {schema}.llm_models (training_config_id);

CREATE TABLE {schema}.llm_model_aliases (
  id text PRIMARY KEY,
  owner_id text,
  name text NOT NULL,
  alias text NOT NULL,
  model_record_id text NOT NULL,
  history jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision integer NOT NULL
);
CREATE UNIQUE INDEX llm_model_aliases_key ON {schema}.llm_model_aliases (owner_id, name, alias) NULLS NOT DISTINCT;
CREATE INDEX llm_model_aliases_model ON {schema}.llm_model_aliases (model_record_id);
`,
  },
  {
    version: 3,
    name: 'cached input tokens of usage events',
    // Events recorded before this version never carried the field (the schema dropped it):
    // 0 is their true count of tokens known to be cached.
    sql: `
ALTER TABLE {schema}.llm_usage_events ADD COLUMN cached_input_tokens integer NOT NULL DEFAULT 0;
`,
  },
];
