import { App } from 'aws-cdk-lib';
import { CONFIG_CONTEXT_KEY, DeploymentConfigError, loadDeploymentConfig } from '../lib/config/load-config';
import { MilvusSnapshotSchedulerStack } from '../lib/milvus-snapshot-scheduler-stack';

// `cdk synth|deploy [-c config=<file>] [-c stackName=<name>]`; see the README, section Deploy.
const app = new App();
try {
  const configPath: unknown = app.node.tryGetContext(CONFIG_CONTEXT_KEY);
  const { config } = loadDeploymentConfig({ path: typeof configPath === 'string' ? configPath : undefined });
  const stackName: unknown = app.node.tryGetContext('stackName');
  new MilvusSnapshotSchedulerStack(
    app,
    typeof stackName === 'string' ? stackName : 'MilvusSnapshotScheduler',
    {
      config,
      description: 'Scheduled Milvus snapshots, retention and restore drills (milvus-snapshot-scheduler)',
    },
  );
  app.synth();
} catch (error) {
  if (!(error instanceof DeploymentConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
