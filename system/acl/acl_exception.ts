// AclException and the remark a rejected request carries. RocketMQ's broker runs the ACL hook
// inside NettyRemotingAbstract.processRequestCommand; the exception reaches its catch-all, which
// answers SYSTEM_ERROR (1) with RemotingHelper.exceptionSimpleDesc(e) = e.toString() + ", " +
// the first stack frame. So the remark a Java client (and an operator grepping logs) sees is
//   org.apache.rocketmq.acl.common.AclException: No acl config for X, org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:668)
// The frames are the throw sites in rocketmq-all-4.9.8 (Java 8 StackTraceElement format).

export const ACL_EXCEPTION_CLASS = "org.apache.rocketmq.acl.common.AclException";

/** Where each AclException is thrown in 4.9.8 (class.method(File.java:line)). */
export const AclThrowSite = {
  noAccessKey: "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:664)",
  noAclConfig: "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:668)",
  noAccessResource: "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:675)",
  badSignature: "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)",
  needAdmin: "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:581)",
  noDefaultPerm: "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:606)",
  noPerm: "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:611)",
  parse: "org.apache.rocketmq.acl.plain.PlainAccessValidator.parse(PlainAccessValidator.java:134)",
} as const;
export type AclThrowSite = (typeof AclThrowSite)[keyof typeof AclThrowSite];

export class AclException extends Error {
  /** The exact SYSTEM_ERROR remark RocketMQ 4.9.8 sends for this rejection. */
  readonly remark: string;
  constructor(message: string | undefined, site: AclThrowSite | undefined) {
    super(message ?? "");
    this.name = "AclException";
    // Throwable.toString(): the class name alone when the message is null.
    const head = message === undefined ? ACL_EXCEPTION_CLASS : `${ACL_EXCEPTION_CLASS}: ${message}`;
    this.remark = site === undefined ? head : `${head}, ${site}`;
  }
}
