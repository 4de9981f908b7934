namespace Blueshift.Storage.Queues;

/// <summary>A received message, invisible to other consumers until <see cref="NextVisibleOn"/>.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="PopReceipt">Proof of this receipt, needed to delete or update the message; a later receive or update replaces it.</param>
/// <param name="DequeueCount">How many times the message has been received, this time included.</param>
/// <param name="InsertedOn">When the message was sent.</param>
/// <param name="ExpiresOn">When the queue drops the message.</param>
/// <param name="NextVisibleOn">When the message becomes visible again unless deleted or updated.</param>
/// <param name="MessageText">The text, decoded as the client's <see cref="QueueClientOptions.MessageEncoding"/> says.</param>
/// <param name="DecodingFailed">
/// True when the stored text is not valid base64 of UTF-8 under <see cref="QueueMessageEncoding.Base64"/>; then
/// <paramref name="MessageText"/> is the stored text as is, and the consumer should treat the message as poison.
/// </param>
public sealed record QueueMessage(
    string MessageId,
    string PopReceipt,
    long DequeueCount,
    DateTimeOffset InsertedOn,
    DateTimeOffset ExpiresOn,
    DateTimeOffset NextVisibleOn,
    string MessageText,
    bool DecodingFailed = false);

/// <summary>A message seen without receiving it: it stays visible and its dequeue count does not change.</summary>
/// <param name="MessageId">The message id.</param>
/// <param name="DequeueCount">How many times the message has been received.</param>
/// <param name="InsertedOn">When the message was sent.</param>
/// <param name="ExpiresOn">When the queue drops the message.</param>
/// <param name="MessageText">The text, decoded as the client's <see cref="QueueClientOptions.MessageEncoding"/> says.</param>
/// <param name="DecodingFailed">True when the stored text could not be decoded; see <see cref="QueueMessage.DecodingFailed"/>.</param>
public sealed record PeekedMessage(
    string MessageId,
    long DequeueCount,
    DateTimeOffset InsertedOn,
    DateTimeOffset ExpiresOn,
    string MessageText,
    bool DecodingFailed = false);

/// <summary>The service's receipt for a sent message.</summary>
/// <param name="MessageId">The new message's id.</param>
/// <param name="PopReceipt">A pop receipt that allows deleting or updating the message before anyone receives it.</param>
/// <param name="InsertedOn">When the message was inserted.</param>
/// <param name="ExpiresOn">When the queue drops the message.</param>
/// <param name="NextVisibleOn">When the message becomes visible to receivers.</param>
public sealed record SendReceipt(string MessageId, string PopReceipt, DateTimeOffset InsertedOn, DateTimeOffset ExpiresOn, DateTimeOffset NextVisibleOn);

/// <summary>The result of updating a message: the pop receipt to use from now on.</summary>
/// <param name="PopReceipt">The new pop receipt; the previous one no longer works.</param>
/// <param name="NextVisibleOn">When the message becomes visible again.</param>
public sealed record UpdateReceipt(string PopReceipt, DateTimeOffset NextVisibleOn);

/// <summary>Queue properties.</summary>
/// <param name="ApproximateMessagesCount">The approximate number of messages, visible or not (not exact under concurrent use).</param>
/// <param name="Metadata">The queue's user-defined metadata.</param>
public sealed record QueueProperties(int ApproximateMessagesCount, IReadOnlyDictionary<string, string> Metadata);
