// Topic and group name rules [common/.../topic/TopicValidator.java, client/.../Validators.java].
// Validators return the reason a name is bad, or null when it is fine.

export const TOPIC_NAME_LENGTH_MAX = 127;
export const GROUP_NAME_LENGTH_MAX = 255;
const NAME_PATTERN = /^[%|a-zA-Z0-9_-]+$/;

export function validateTopic(topic: string): string | null {
  if (topic.length === 0) return "The specified topic is blank.";
  if (!NAME_PATTERN.test(topic)) {
    return `The specified topic[${topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  }
  if (topic.length > TOPIC_NAME_LENGTH_MAX) return "The specified topic is longer than topic max length.";
  return null;
}

export function validateGroup(group: string): string | null {
  if (group.length === 0) return "the specified group is blank";
  if (!NAME_PATTERN.test(group)) {
    return `the specified group[${group}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  }
  if (group.length > GROUP_NAME_LENGTH_MAX) return "the specified group is longer than group max length 255.";
  return null;
}
