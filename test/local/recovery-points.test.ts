import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectionRecoveryPoints } from '../../cli/commands/snapshots';
import { runCli } from '../../cli/program';
import { clusterIdentity } from '../../functions/shared/contracts/deployment';
import type { RunReport } from '../../functions/shared/contracts/run-report';
import { PLACEHOLDER_TOKEN } from '../../functions/shared/lambda/milvus-token';
import { FileReportStore } from '../../functions/shared/reports/report-store';
import { DEFAULT_LOCAL_DEPLOYMENT_ID } from '../../lib/config/deployment-config';
import type { LocalRunResult } from '../../local/run-local';
import { memoryIo } from '../cli/cli-test-io';
import { DEPLOYED, jsonBody, stackWithOutputs } from '../cli/support/deployment-fixture';
import { exampleConfig, PROJECT_ROOT } from '../lib/fixtures';
import { type LocalWorld, startLocalWorld } from './support/local-world';

/**
 * The recovery-point catalog (`snapshots list`) after real local runs: what the runs recorded
 * (their snapshots, what each held, which drills verified and which did not) is what the operator
 * sees, next to the neighbours' snapshots, which are never counted as this deployment's.
 */

const CONFIG = exampleConfig();
const CONFIG_FILE = join(PROJECT_ROOT, 'examples', 'scheduler.config.json');
const TOKEN = 'root:Milvus-catalog-secret';

function productsOf(result: LocalRunResult) {
  const report: RunReport | undefined = result.report;
  const found = report?.collections.find((c) => c.collection === 'products');
  if (!found) throw new Error(`products is not in the report: ${JSON.stringify(result.error)}`);
  return found;
}

describe('snapshots list after local runs', () => {
  let world: LocalWorld;
  let client: MilvusClient;
  afterEach(async () => {
    await client?.closeConnection();
    await world?.close();
  });

  it("shows each snapshot's recorded rows, owner and last drill, a failed one with why", async () => {
    // Prepare: a verified backup; a second backup whose drill restores only half the rows; a
    // person's snapshot and one whose description claims another deployment made it
    world = await startLocalWorld({ token: TOKEN });
    const run = (input: unknown) => world.run(CONFIG, input, { token: TOKEN });
    const first = productsOf(await run({ mode: 'full', collections: ['default.products'] }));
    expect(first.drill?.verified).toBe(true);
    world.emulator.faults.load({
      restore: [{ collection: 'products', outcome: 'lossy', keepFraction: 0.5 }],
    });
    const second = productsOf(await run({ mode: 'full', collections: ['default.products'] }));
    expect(second.drill?.verified).toBe(false);
    world.emulator.faults.clear();
    client = new MilvusClient({ address: world.emulator.address, token: TOKEN });
    await client.connectPromise;
    const theirs = await client.describeSnapshot({
      collection_name: 'products',
      snapshot_name: first.backup?.snapshotName ?? '',
    });
    await client.createSnapshot({
      collection_name: 'products',
      snapshot_name: 'before_upgrade',
      description: 'taken by hand',
    });
    await client.createSnapshot({
      collection_name: 'products',
      snapshot_name: 'nightly_lookalike',
      description: theirs.description.replace(/deployment=\S+/, 'deployment=staging.eu-west-1'),
    });

    // Act
    const out = memoryIo({ cwd: world.reportsDir });
    const code = await runCli(
      [
        'snapshots',
        'list',
        '--collection',
        'default.products',
        '--config',
        CONFIG_FILE,
        '--milvus-uri',
        world.emulator.address,
        '--milvus-token',
        TOKEN,
        '--reports',
        world.reportsDir,
        '--at',
        new Date(world.clock.now()).toISOString(),
        '--json',
      ],
      out.io,
    );

    // Assess
    expect(out.stderr()).not.toContain(TOKEN);
    expect(code).toBe(0);
    const [products] = (JSON.parse(out.stdout()) as { collections: CollectionRecoveryPoints[] }).collections;
    const byName = new Map(products?.snapshots.map((s) => [s.name, s]));
    expect(products?.newestVerified).toBe(first.backup?.snapshotName);
    expect(byName.get(first.backup?.snapshotName ?? '')).toMatchObject({
      rows: 2000,
      owner: { kind: 'this deployment' },
      schedule: 'manual',
      lastDrill: { kind: 'drill', verified: true, restoredRows: 2000 },
      restoring: [],
      retention: { decision: 'keep', why: expect.stringContaining('newest verified') },
    });
    expect(byName.get(second.backup?.snapshotName ?? '')).toMatchObject({
      rows: 2000,
      owner: { kind: 'this deployment' },
      lastDrill: {
        verified: false,
        restoredRows: 1000,
        reason: expect.stringContaining('verification failed'),
      },
    });
    expect(byName.get('before_upgrade')).toMatchObject({
      rows: null,
      owner: { kind: 'none' },
      lastDrill: null,
      retention: { decision: 'keep' },
    });
    expect(byName.get('nightly_lookalike')).toMatchObject({
      owner: { kind: 'another deployment', deployment: 'staging.eu-west-1' },
      lastDrill: null,
    });
  }, 180_000);

  it('prints a table an operator reads, and says what to fix when Milvus refuses the token', async () => {
    // Prepare
    world = await startLocalWorld({ token: TOKEN });
    const backup = productsOf(
      await world.run(CONFIG, { mode: 'full', collections: ['default.products'] }, { token: TOKEN }),
    );
    const args = [
      'snapshots',
      'list',
      '--config',
      CONFIG_FILE,
      '--milvus-uri',
      world.emulator.address,
      '--reports',
      world.reportsDir,
      '--at',
      new Date(world.clock.now()).toISOString(),
    ];

    // Act
    const table = memoryIo({ cwd: world.reportsDir });
    const listed = await runCli([...args, '--milvus-token', TOKEN], table.io);
    const refused = memoryIo({ cwd: world.reportsDir });
    const wrong = await runCli([...args, '--milvus-token', 'root:wrong-token'], refused.io);

    // Assess: every configured collection, products with its verified snapshot
    expect(listed).toBe(0);
    const text = table.stdout();
    for (const c of CONFIG.collections) expect(text).toContain(`${c.database}.${c.name}:`);
    const line = text.split('\n').find((l) => l.startsWith(backup.backup?.snapshotName ?? '-'));
    expect(line).toMatch(/2000 +this deployment +manual +verified \d{4}-\d{2}-\d{2} /);
    expect(wrong).not.toBe(0);
    expect(refused.stderr()).toMatch(/refused the credentials.*--milvus-token/);
    expect(refused.stderr()).not.toContain('wrong-token');
  }, 180_000);
});

describe('snapshots list of a deployed stack', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  const secrets = mockClient(SecretsManagerClient);
  const s3 = mockClient(S3Client);
  const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:MilvusToken-AbCdEf';
  let world: LocalWorld;
  afterEach(async () => {
    cloudFormation.reset();
    secrets.reset();
    s3.reset();
    await world?.close();
  });

  /** The stack's outputs for a deployment whose records are the local world's, served from its bucket. */
  function deployedOver(reportsDir: string, milvusAddress: string): void {
    stackWithOutputs(cloudFormation, {
      StateMachineArn: DEPLOYED.stateMachineArn,
      ReportsBucketName: DEPLOYED.reportsBucket,
      MilvusTokenSecretArn: SECRET_ARN,
      DeploymentId: DEFAULT_LOCAL_DEPLOYMENT_ID,
      MilvusAddress: milvusAddress,
      MilvusTls: 'false',
      MilvusClusterKey: clusterIdentity(world.emulator.address).key,
    });
    // The bucket holds what the runs wrote: the same keys, read through S3.
    const files = new FileReportStore(reportsDir);
    s3.on(ListObjectsV2Command).callsFake(async (input: { Bucket: string; Prefix: string }) => {
      if (input.Bucket !== DEPLOYED.reportsBucket) throw new Error(`unexpected bucket ${input.Bucket}`);
      return { Contents: (await files.list(input.Prefix)).map((Key) => ({ Key })) };
    });
    s3.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      const value = await files.getJson(input.Key);
      if (value === undefined)
        throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      return { Body: jsonBody(value) };
    });
  }

  it("reads Milvus' address, the token secret, the bucket and the deployment id from the stack, through a tunnel too", async () => {
    // Prepare: the deployment reaches Milvus at a private address; the operator through a tunnel
    world = await startLocalWorld({ token: TOKEN });
    const backup = productsOf(
      await world.run(CONFIG, { mode: 'full', collections: ['default.products'] }, { token: TOKEN }),
    );
    deployedOver(world.reportsDir, 'milvus.internal.example.com:19530');
    secrets
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
      .resolves({ SecretString: JSON.stringify({ token: TOKEN }) });

    // Act
    const out = memoryIo({ cwd: world.reportsDir });
    const code = await runCli(
      [
        'snapshots',
        'list',
        '--stack',
        DEPLOYED.stack,
        '--config',
        CONFIG_FILE,
        '--collection',
        'products',
        '--milvus-uri',
        world.emulator.address,
        '--at',
        new Date(world.clock.now()).toISOString(),
        '--json',
      ],
      out.io,
    );

    // Assess: the records are found under the deployment's own cluster key, not the tunnel's
    expect(out.stderr()).not.toContain(TOKEN);
    expect(code).toBe(0);
    const [products] = (JSON.parse(out.stdout()) as { collections: CollectionRecoveryPoints[] }).collections;
    expect(products?.snapshots).toEqual([
      expect.objectContaining({
        name: backup.backup?.snapshotName,
        owner: { kind: 'this deployment' },
        lastDrill: expect.objectContaining({ verified: true }),
      }),
    ]);
  }, 120_000);

  it('says how to set the token when the secret still holds the placeholder, and connects to nothing', async () => {
    // Prepare
    world = await startLocalWorld({ token: TOKEN });
    deployedOver(world.reportsDir, world.emulator.address);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: PLACEHOLDER_TOKEN });
    const before = world.emulator.calls.count();

    // Act
    const out = memoryIo({ cwd: world.reportsDir });
    const code = await runCli(
      ['snapshots', 'list', '--stack', DEPLOYED.stack, '--config', CONFIG_FILE],
      out.io,
    );

    // Assess
    expect(code).not.toBe(0);
    expect(out.stderr()).toContain(
      `the Milvus token secret ${SECRET_ARN} still holds the placeholder value: set it with "aws secretsmanager put-secret-value`,
    );
    expect(world.emulator.calls.count()).toBe(before);
  }, 60_000);
});
