import { z } from 'zod';
import { runReportSchema } from '../../functions/shared/contracts/run-report';
import { deploymentConfigSchema } from './deployment-config';
import { COMMENT_KEY } from './load-config';

/** A JSON Schema document, as plain JSON. */
export type JsonSchema = Record<string, unknown>;

/** The committed JSON Schemas, by file name under `schemas/`, each built from its zod schema. */
export function jsonSchemas(): Record<string, JsonSchema> {
  return {
    'scheduler.config.schema.json': configJsonSchema(),
    'run-report.schema.json': runReportJsonSchema(),
  };
}

/**
 * The JSON Schema of the configuration file, for editors (`"$schema"` in the file) and other
 * tools. Generated from the zod schema, so it cannot disagree with what synth accepts — except
 * for cross-field checks (a schedule naming an unknown collection…), which only synth reports.
 */
export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(deploymentConfigSchema, { io: 'input', target: 'draft-2020-12' });
  allowComments(schema);
  return {
    ...schema,
    $id: 'https://github.com/milvus-snapshot-scheduler/milvus-snapshot-scheduler/schemas/scheduler.config.schema.json',
    title: 'milvus-snapshot-scheduler configuration',
    description:
      'One file drives `cdk deploy` and the local runner. Any object may carry a "$comment" string, which is ignored.',
  };
}

/** The JSON Schema of the run report (SNS message JSON, EventBridge detail, S3 object, local file). */
export function runReportJsonSchema(): JsonSchema {
  return {
    ...z.toJSONSchema(runReportSchema, { io: 'output', target: 'draft-2020-12' }),
    $id: 'https://github.com/milvus-snapshot-scheduler/milvus-snapshot-scheduler/schemas/run-report.schema.json',
    title: 'milvus-snapshot-scheduler run report',
  };
}

/** Lets every object with declared properties carry the ignored `$comment` key. */
function allowComments(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) allowComments(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const value of Object.values(record)) allowComments(value);
  const properties = record.properties;
  if (record.type === 'object' && properties && typeof properties === 'object') {
    record.properties = { [COMMENT_KEY]: { type: 'string' }, ...properties };
  }
}
