import { type CallContext, type RpcHandler, rpc } from '../call-context';
import { randomPositiveInt64 } from '../id-allocator';
import { successStatus } from '../milvus-status';

/** The Milvus version the emulator reports (the first release with snapshots). */
export const EMULATED_MILVUS_VERSION = 'v3.0.0';

/** Connect, GetVersion and CheckHealth. */
export const connectionHandlers: Readonly<Record<string, RpcHandler>> = {
  // The SDK's constructor calls Connect and treats a response with an `identifier` as "connected".
  Connect: rpc((_request: unknown, context: CallContext) => {
    context.state.database(context.metadataDatabase);
    return {
      status: successStatus(),
      server_info: {
        build_tags: EMULATED_MILVUS_VERSION,
        build_time: '',
        git_commit: 'milvus-emulator',
        go_version: '',
        deploy_mode: 'STANDALONE',
        reserved: { emulator: 'milvus-snapshot-scheduler' },
      },
      identifier: randomPositiveInt64(),
    };
  }),
  GetVersion: rpc(() => ({ status: successStatus(), version: EMULATED_MILVUS_VERSION })),
  CheckHealth: rpc(() => ({ status: successStatus(), isHealthy: true, reasons: [], quota_states: [] })),
};
