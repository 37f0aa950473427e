// TopicValidator's checks on a request's topic [common/.../topic/TopicValidator.java]: the
// reason a topic is rejected (SYSTEM_ERROR remark), or null.
import { SystemTopic } from "../../message/index.ts";

const TOPIC_MAX_LENGTH = 127;
const VALID = /^[%|a-zA-Z0-9_-]+$/;

const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  SystemTopic.SCHEDULE_TOPIC,
  SystemTopic.TRANS_HALF_TOPIC,
  SystemTopic.TRANS_OP_HALF_TOPIC,
  SystemTopic.TRANS_CHECK_MAX_TIME_TOPIC,
  SystemTopic.SELF_TEST_TOPIC,
  SystemTopic.OFFSET_MOVED_EVENT,
]);

const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  SystemTopic.AUTO_CREATE_TOPIC_KEY, SystemTopic.SCHEDULE_TOPIC, SystemTopic.BENCHMARK_TOPIC,
  SystemTopic.TRANS_HALF_TOPIC, SystemTopic.TRACE_TOPIC, SystemTopic.TRANS_OP_HALF_TOPIC,
  SystemTopic.TRANS_CHECK_MAX_TIME_TOPIC, SystemTopic.SELF_TEST_TOPIC, SystemTopic.OFFSET_MOVED_EVENT,
]);

export function topicProblem(topic: string): string | null {
  if (topic.trim() === "") return "The specified topic is blank.";
  if (!VALID.test(topic)) return "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$";
  if (topic.length > TOPIC_MAX_LENGTH) return "The specified topic is longer than topic max length.";
  return null;
}

export function notAllowedSendProblem(topic: string): string | null {
  return NOT_ALLOWED_SEND_TOPICS.has(topic) ? `Sending message to topic[${topic}] is forbidden.` : null;
}

export function isSystemTopic(topic: string): boolean {
  return SYSTEM_TOPICS.has(topic) || topic.startsWith("rmq_sys_");
}
