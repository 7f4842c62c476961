/**
 * milvus-snapshot-scheduler: scheduled Milvus collection snapshots, retention and restore drills
 * on AWS Step Functions, as one CDK construct. This is the package's public API; everything else
 * in the repository is an implementation detail (or a tool of its own: the emulator, the local
 * runner and the CLI are not part of the package).
 */

export { type RunReport, runReportSchema } from '../functions/shared/contracts/run-report';
export type { RuntimeConfig } from '../functions/shared/contracts/runtime-config';
export type { MilvusConnectionInput } from '../functions/shared/milvus/milvus-connection-settings';
export {
  deployableRuntimeConfigSchema as runtimeConfigSchema,
  type RuntimeConfigInput,
} from './config/deployment-config';
export {
  type FunctionName,
  type LogLevel,
  MilvusSnapshotScheduler,
  type MilvusSnapshotSchedulerProps,
  type OnRunCompletedOptions,
  type RunStatus,
  type StepOverride,
} from './milvus-snapshot-scheduler';
export type { RunMonitoring } from './monitoring/run-monitoring';
export type { RunSchedules } from './schedules/run-schedules';
export { RUN_EVENT } from './state-machine/run-definition';
export type { StepName } from './step-catalog';
