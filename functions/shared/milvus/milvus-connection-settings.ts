import * as z from 'zod';

/** How to reach Milvus. Shared by the deployment configuration, the functions and the local runner. */
export const milvusConnectionSchema = z
  .object({
    /** `host:port`, or a URI such as `https://in01-xxxx.zillizcloud.com:19530` (https turns TLS on). */
    address: z
      .string()
      .trim()
      .min(1, 'address is required, e.g. "milvus.internal:19530" or "https://host:443"')
      .refine((a) => !/\s/.test(a), { message: 'address must not contain spaces' }),
    /** Use TLS even when the address has no `https://` prefix. */
    tls: z.boolean().default(false),
    /** Deadline of each Milvus call, in milliseconds. */
    timeoutMs: z.number().int().min(100).max(300_000).default(15_000),
  })
  .strict();

/** Connection settings as written (the construct's `milvus` prop), before defaults. */
export type MilvusConnectionInput = z.input<typeof milvusConnectionSchema>;

/** Validated connection settings. */
export type MilvusConnection = z.infer<typeof milvusConnectionSchema>;
