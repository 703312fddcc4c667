/** Protobuf request-body decoding for the API server (decode only; responses are JSON). */
export {
  decodeKubernetesProtobuf, ProtobufDecodeError, KUBERNETES_PROTOBUF_MAGIC, KUBERNETES_PROTOBUF_CONTENT_TYPE,
  type DecodedProtobufObject,
} from "./decode.ts";
export { decodeMessage } from "./decode-message.ts";
