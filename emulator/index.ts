/**
 * A wire-compatible Milvus 3.0 emulator for the snapshot API: the real
 * `@zilliz/milvus2-sdk-node` client talks to it over gRPC exactly as it talks to Milvus.
 *
 * @packageDocumentation
 */

export type { CallLog, CallRecord } from './call-log';
export { type Clock, ManualClock, systemClock } from './clock';
export type { RowCounts } from './collection';
export {
  DEFAULT_SEED_DIM,
  DEFAULT_SEED_ROWS,
  type SeedCollectionSpec,
  type SeededCollection,
  seedCollectionSpecSchema,
  seedCollections,
} from './collection-seed';
export { DEMO_COLLECTIONS, type DemoCollection, demoFields, generateDemoRows } from './demo-data';
export { type SeededDemoCollection, seedDemoCollections } from './demo-seed';
export {
  CollectionSeedError,
  DemoSeedError,
  EmulatorOptionsError,
  EmulatorStartError,
  EmulatorStateError,
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
  LateApplicationSummary,
  PinSummary,
  RestoreJobSummary,
  SnapshotSummary,
} from './inspector';
export type { LateApplicationState } from './late-applications';
export { RESTORE_CHECKER_TICK_MS, type RestoreState } from './restore-timeline';
export {
  DEFAULT_RESTORE_DURATION_MS,
  DEFAULT_RESTORE_JOB_RETENTION_MS,
  type MilvusEmulatorOptions,
  RESTORE_TIMEOUT_MS,
  type RunningMilvusEmulator,
  startMilvusEmulator,
} from './start-emulator';
export { STATE_FILE_FORMAT, STATE_FILE_VERSION } from './state-file';
