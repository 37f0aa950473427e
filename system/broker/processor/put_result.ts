// PutMessageStatus → send response code and remark, as SendMessageProcessor.handlePutMessageResult
// maps them. FLUSH_DISK_TIMEOUT / FLUSH_SLAVE_TIMEOUT / SLAVE_NOT_AVAILABLE still carry the
// msgId: the message is stored, only the durability wait failed.
import { ResponseCode } from "../../remoting/index.ts";
import type { PutMessageStatus } from "../../store/status.ts";

export interface PutOutcome {
  code: number;
  remark: string | undefined;
  /** The message is stored (the response carries msgId/queueOffset). */
  stored: boolean;
}

/** The stored outcomes, built once: PUT_OK is the answer to nearly every send. */
const PUT_OK_OUTCOME: PutOutcome = Object.freeze({ code: ResponseCode.SUCCESS, remark: undefined, stored: true });

/**
 * diskUtil, when given, makes the SERVICE_NOT_AVAILABLE remark 4.9.7's exact one (disk usage in
 * brackets, the reason left to the log); it is called only for that status.
 */
export function putOutcome(status: PutMessageStatus, maxMessageSize: number, reason: string | undefined, diskUtil?: () => string): PutOutcome {
  switch (status) {
    case "PUT_OK":
      return PUT_OK_OUTCOME;
    case "FLUSH_DISK_TIMEOUT":
      return { code: ResponseCode.FLUSH_DISK_TIMEOUT, remark: undefined, stored: true };
    case "FLUSH_SLAVE_TIMEOUT":
      return { code: ResponseCode.FLUSH_SLAVE_TIMEOUT, remark: undefined, stored: true };
    case "SLAVE_NOT_AVAILABLE":
      return { code: ResponseCode.SLAVE_NOT_AVAILABLE, remark: undefined, stored: true };
    case "CREATE_MAPEDFILE_FAILED":
      return { code: ResponseCode.SYSTEM_ERROR, remark: "create mapped file failed, server is busy or broken.", stored: false };
    case "MESSAGE_ILLEGAL":
    case "PROPERTIES_SIZE_EXCEEDED":
      return {
        code: ResponseCode.MESSAGE_ILLEGAL,
        // 4.9.7 handlePutMessageResult: String.format("... msg body length limit %dB, msg properties length limit 32KB.", maxMessageSize), nothing more.
        remark: `the message is illegal, maybe msg body or properties length not matched. msg body length limit ${maxMessageSize}B, msg properties length limit 32KB.`,
        stored: false,
      };
    case "SERVICE_NOT_AVAILABLE":
      if (diskUtil !== undefined) {
        // 4.9.7 handlePutMessageResult: "... the broker's disk is full [" + diskUtil() + "], messages are put to the slave, ...".
        return {
          code: ResponseCode.SERVICE_NOT_AVAILABLE,
          remark: "service not available now. It may be caused by one of the following reasons: "
            + `the broker's disk is full [${diskUtil()}], messages are put to the slave, message store has been shut down, etc.`,
          stored: false,
        };
      }
      return {
        code: ResponseCode.SERVICE_NOT_AVAILABLE,
        remark: "service not available now. It may be caused by one of the following reasons: the broker's disk is full, "
          + `messages are put to the slave, message store has been shut down, etc.${reason === undefined ? "" : ` (${reason})`}`,
        stored: false,
      };
    case "OS_PAGECACHE_BUSY":
      return { code: ResponseCode.SYSTEM_BUSY, remark: "[PC_SYNCHRONIZED]broker busy, start flow control for a while", stored: false };
    case "UNKNOWN_ERROR":
      return { code: ResponseCode.SYSTEM_ERROR, remark: reason === undefined ? "UNKNOWN_ERROR" : `UNKNOWN_ERROR: ${reason}`, stored: false };
  }
}
