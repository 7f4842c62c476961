/**
 * The value the stack stores in a token secret it creates, until an operator sets the real one.
 * A leaf module: the construct writes it at synth without loading the Powertools secrets client.
 */
export const PLACEHOLDER_TOKEN = 'REPLACE_ME_WITH_THE_MILVUS_TOKEN';
