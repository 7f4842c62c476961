/**
 * A wire-compatible Milvus 3.0 emulator for the snapshot API: the real
 * `@zilliz/milvus2-sdk-node` client talks to it over gRPC exactly as it talks to Milvus.
 *
 * @packageDocumentation
 */

export type { CallLog, CallRecord } from './call-log';
export { type Clock, ManualClock, systemClock } from './clock';
export type { RowCounts } from './collection';
export { DEMO_COLLECTIONS, type DemoCollection, demoFields, generateDemoRows } from './demo-data';
export { type SeededDemoCollection, seedDemoCollections } from './demo-seed';
export {
  DemoSeedError,
  EmulatorOptionsError,
  EmulatorStartError,
  FaultPlanError,
} from './errors';
export type { FaultController, FaultRuleStatus } from './fault-controller';
export {
  type FaultPlan,
  type FaultRule,
  faultPlanSchema,
  faultRuleSchema,
  GRPC_STATUS_NAMES,
  type GrpcStatusName,
  parseFaultPlan,
  RESTORE_OUTCOMES,
  type RestoreBehaviour,
  restoreBehaviourSchema,
} from './fault-plan';
export { loadFaultPlanFile } from './fault-plan-file';
export type {
  CollectionSummary,
  EmulatorInspector,
  PinSummary,
  RestoreJobSummary,
  SnapshotSummary,
} from './inspector';
export type { RestoreState } from './restore-timeline';
export {
  DEFAULT_RESTORE_DURATION_MS,
  DEFAULT_RESTORE_JOB_RETENTION_MS,
  type MilvusEmulatorOptions,
  RESTORE_TIMEOUT_MS,
  type RunningMilvusEmulator,
  startMilvusEmulator,
} from './start-emulator';
