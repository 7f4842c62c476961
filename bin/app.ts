import { Annotations, App } from 'aws-cdk-lib';
import { CONFIG_CONTEXT_KEY, DeploymentConfigError, loadDeploymentConfig } from '../lib/config/load-config';
import { MilvusSnapshotSchedulerStack } from '../lib/milvus-snapshot-scheduler-stack';

// `cdk synth|deploy [-c config=<file>] [-c stackName=<name>] [-c acknowledgeWarnings=<id>,…]`;
// see the README, section Deploy.
const app = new App();
try {
  const configPath: unknown = app.node.tryGetContext(CONFIG_CONTEXT_KEY);
  const { config } = loadDeploymentConfig({ path: typeof configPath === 'string' ? configPath : undefined });
  const stackName: unknown = app.node.tryGetContext('stackName');
  const stack = new MilvusSnapshotSchedulerStack(
    app,
    typeof stackName === 'string' ? stackName : 'MilvusSnapshotScheduler',
    {
      config,
      description: 'Scheduled Milvus snapshots, retention and restore drills (milvus-snapshot-scheduler)',
    },
  );
  // A warning read and accepted (its id is in brackets at the end of the line `cdk synth` prints)
  // stops being printed, for this stack only.
  const acknowledged: unknown = app.node.tryGetContext('acknowledgeWarnings');
  for (const id of typeof acknowledged === 'string' ? acknowledged.split(',') : []) {
    if (id.trim()) Annotations.of(stack).acknowledgeWarning(id.trim());
  }
  app.synth();
} catch (error) {
  if (!(error instanceof DeploymentConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
