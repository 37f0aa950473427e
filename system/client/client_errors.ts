// Typed operating errors of the clients, named after RocketMQ's exceptions so people who know
// RocketMQ recognise them: MQClientError (client-side: no route, bad argument, retries spent)
// and MQBrokerError (the broker or NameServer answered with a non-success response code).
// Both carry a numeric responseCode: a RocketMQ ResponseCode, or a ClientErrorCode below.
import { responseCodeName } from "../remoting/response_code.ts";

/** client/.../common/ClientErrorCode.java */
export const ClientErrorCode = {
  NONE: -1,
  CONNECT_BROKER_EXCEPTION: 10001,
  ACCESS_BROKER_TIMEOUT: 10002,
  BROKER_NOT_EXIST_EXCEPTION: 10003,
  NO_NAME_SERVER_EXCEPTION: 10004,
  NOT_FOUND_TOPIC_EXCEPTION: 10005,
  REQUEST_TIMEOUT_EXCEPTION: 10006,
} as const;

export class MQClientError extends Error {
  readonly responseCode: number;
  constructor(message: string, responseCode: number = ClientErrorCode.NONE, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MQClientError";
    this.responseCode = responseCode;
  }
}

export class MQBrokerError extends Error {
  readonly responseCode: number;
  readonly remark: string;
  /** The server that answered ("ip:port"), when known. */
  readonly addr: string | undefined;
  constructor(responseCode: number, remark: string | undefined, addr?: string) {
    const where = addr === undefined ? "" : ` from ${addr}`;
    super(`${responseCodeName(responseCode)} (${responseCode})${where}: ${remark ?? "(no remark)"}`);
    this.name = "MQBrokerError";
    this.responseCode = responseCode;
    this.remark = remark ?? "";
    this.addr = addr;
  }
}
