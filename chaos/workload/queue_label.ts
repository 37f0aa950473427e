// The "broker:queueId" label a history event names its queue by. A history keeps one event per
// send attempt, acknowledgement and delivery for the whole run, each with its label, and the
// checkers compare labels by value; one string per queue instead of one per event keeps a long
// run's history (and the old space the collector walks) smaller.
export class QueueLabels {
  private readonly byBroker = new Map<string, string[]>();

  of(brokerName: string, queueId: number): string {
    let labels = this.byBroker.get(brokerName);
    if (labels === undefined) {
      labels = [];
      this.byBroker.set(brokerName, labels);
    }
    // Only small whole queue ids are kept (a queue id is a small index; anything else is built).
    if (!Number.isInteger(queueId) || queueId < 0 || queueId >= 1024) return `${brokerName}:${queueId}`;
    return (labels[queueId] ??= `${brokerName}:${queueId}`);
  }
}
