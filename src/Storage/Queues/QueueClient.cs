using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Blueshift.Storage.Authentication;

namespace Blueshift.Storage.Queues;

/// <summary>
/// A client for one queue of the Azure Queue service (or Azurite), shaped like Azure.Storage.Queues' <c>QueueClient</c>.
/// Unexpected responses throw <see cref="RequestFailedException"/> with the HTTP status and the service error code.
/// Thread-safe; create one per queue and reuse it.
/// </summary>
public sealed partial class QueueClient
{
    private const string ServiceVersion = "2021-08-06";
    private const int MaxMessagesPerCall = 32;
    private static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromDays(7);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly HttpPipeline _pipeline;
    private readonly Uri _queueUri;
    private readonly QueueMessageEncoding _encoding;

    /// <summary>Creates a client that signs requests with the account key from a storage connection string.</summary>
    /// <exception cref="FormatException">The connection string is invalid.</exception>
    /// <exception cref="ArgumentException">The queue name is invalid.</exception>
    public QueueClient(string connectionString, string queueName, QueueClientOptions? options = null)
        : this(StorageConnectionString.Parse(connectionString), queueName, options ?? new QueueClientOptions())
    {
    }

    /// <summary>Creates a client that signs requests with an account name and key.</summary>
    public QueueClient(Uri queueServiceEndpoint, string queueName, StorageSharedKeyCredential credential, QueueClientOptions? options = null)
        : this(queueServiceEndpoint, queueName, SharedKey(credential, options ??= new QueueClientOptions()), options)
    {
    }

    /// <summary>
    /// Creates a client that authenticates with Entra ID bearer tokens for <c>https://storage.azure.com/.default</c>
    /// (for example a managed identity); the endpoint must be https.
    /// </summary>
    public QueueClient(Uri queueServiceEndpoint, string queueName, TokenCredential credential, QueueClientOptions? options = null)
        : this(queueServiceEndpoint, queueName, StorageAuthentication.Bearer(credential), options ?? new QueueClientOptions())
    {
    }

    private QueueClient(StorageConnectionString connectionString, string queueName, QueueClientOptions options)
        : this(connectionString.QueueEndpoint, queueName, SharedKey(connectionString.Credential, options), options)
    {
    }

    private QueueClient(Uri queueServiceEndpoint, string queueName, HttpPipelinePolicy authentication, QueueClientOptions options)
    {
        if (queueName is null || queueName.Length is < 3 or > 63 || !QueueNamePattern().IsMatch(queueName))
        {
            throw new ArgumentException(
                "A queue name has 3 to 63 lowercase letters, digits and single hyphens, and starts and ends with a letter or digit.",
                nameof(queueName));
        }
        _queueUri = new Uri(StorageAuthentication.NormalizeEndpoint(queueServiceEndpoint, nameof(queueServiceEndpoint)) + "/" + queueName);
        Name = queueName;
        _encoding = options.MessageEncoding;
        _pipeline = HttpPipelineBuilder.Build(options, authentication);
    }

    /// <summary>The queue name.</summary>
    public string Name { get; }

    /// <summary>Creates the queue unless it exists.</summary>
    /// <returns>True when this call created the queue, false when it already existed.</returns>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Put);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            201 => true,
            204 => false,
            _ => throw StorageErrors.Create(message.Response, $"Creating queue '{Name}'"),
        };
    }

    /// <summary>Deletes the queue and its messages.</summary>
    /// <returns>True when the queue existed and was deleted, false when it did not exist.</returns>
    public async Task<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response.Status switch
        {
            204 => true,
            404 => false,
            _ => throw StorageErrors.Create(message.Response, $"Deleting queue '{Name}'"),
        };
    }

    /// <summary>Reads the approximate message count and the metadata.</summary>
    /// <exception cref="RequestFailedException">Status 404 when the queue does not exist.</exception>
    public async Task<QueueProperties> GetPropertiesAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Get);
        message.Request.Uri.AppendQuery("comp", "metadata");
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 200)
        {
            throw StorageErrors.Create(response, $"Reading properties of queue '{Name}'");
        }
        response.Headers.TryGetValue("x-ms-approximate-messages-count", out var count);
        var metadata = response.Headers
            .Where(h => h.Name.StartsWith("x-ms-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Name["x-ms-meta-".Length..], h => h.Value, StringComparer.OrdinalIgnoreCase);
        return new QueueProperties(count is null ? 0 : int.Parse(count, CultureInfo.InvariantCulture), metadata);
    }

    /// <summary>Sends a message.</summary>
    /// <param name="messageText">The text; encoded as <see cref="QueueClientOptions.MessageEncoding"/> says, then XML-escaped.</param>
    /// <param name="visibilityTimeout">Keeps the message invisible this long after sending (0 to 7 days); visible at once by default.</param>
    /// <param name="timeToLive">How long the queue keeps the message (7 days by default); <see cref="Timeout.InfiniteTimeSpan"/> keeps it until deleted.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentException">The text holds characters XML cannot carry; use <see cref="QueueMessageEncoding.Base64"/>.</exception>
    public async Task<SendReceipt> SendMessageAsync(string messageText, TimeSpan? visibilityTimeout = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        using var message = CreateMessage(RequestMethod.Post);
        message.Request.Uri.AppendPath("/messages", escape: false);
        if (visibilityTimeout is { } visibility)
        {
            message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(visibility, nameof(visibilityTimeout)));
        }
        if (timeToLive is { } ttl)
        {
            message.Request.Uri.AppendQuery("messagettl", ttl == Timeout.InfiniteTimeSpan ? "-1" : PositiveSeconds(ttl, nameof(timeToLive)));
        }
        SetMessageContent(message.Request, Encode(messageText));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 201)
        {
            throw StorageErrors.Create(response, $"Sending a message to queue '{Name}'");
        }
        var sent = ReadMessageElements(response).Single();
        return new SendReceipt(
            Text(sent, "MessageId"), Text(sent, "PopReceipt"), Date(sent, "InsertionTime"), Date(sent, "ExpirationTime"), Date(sent, "TimeNextVisible"));
    }

    /// <summary>
    /// Receives up to <paramref name="maxMessages"/> visible messages and hides them for <paramref name="visibilityTimeout"/>;
    /// a message not deleted by then becomes visible again with a higher dequeue count.
    /// </summary>
    /// <param name="maxMessages">1 to 32.</param>
    /// <param name="visibilityTimeout">1 second to 7 days.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The messages received; empty when none is visible.</returns>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, MaxMessagesPerCall);
        ArgumentOutOfRangeException.ThrowIfLessThan(visibilityTimeout, TimeSpan.FromSeconds(1));
        using var message = CreateMessage(RequestMethod.Get);
        message.Request.Uri.AppendPath("/messages", escape: false);
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(visibilityTimeout, nameof(visibilityTimeout)));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (message.Response.Status != 200)
        {
            throw StorageErrors.Create(message.Response, $"Receiving messages from queue '{Name}'");
        }
        return ReadMessageElements(message.Response)
            .Select(e =>
            {
                var (text, failed) = Decode(Text(e, "MessageText"));
                return new QueueMessage(
                    Text(e, "MessageId"), Text(e, "PopReceipt"), long.Parse(Text(e, "DequeueCount"), CultureInfo.InvariantCulture),
                    Date(e, "InsertionTime"), Date(e, "ExpirationTime"), Date(e, "TimeNextVisible"), text, failed);
            })
            .ToList();
    }

    /// <summary>Returns up to <paramref name="maxMessages"/> (1 to 32) visible messages without hiding them or counting a dequeue.</summary>
    public async Task<IReadOnlyList<PeekedMessage>> PeekMessagesAsync(int maxMessages = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, MaxMessagesPerCall);
        using var message = CreateMessage(RequestMethod.Get);
        message.Request.Uri.AppendPath("/messages", escape: false);
        message.Request.Uri.AppendQuery("peekonly", "true");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (message.Response.Status != 200)
        {
            throw StorageErrors.Create(message.Response, $"Peeking messages in queue '{Name}'");
        }
        return ReadMessageElements(message.Response)
            .Select(e =>
            {
                var (text, failed) = Decode(Text(e, "MessageText"));
                return new PeekedMessage(
                    Text(e, "MessageId"), long.Parse(Text(e, "DequeueCount"), CultureInfo.InvariantCulture),
                    Date(e, "InsertionTime"), Date(e, "ExpirationTime"), text, failed);
            })
            .ToList();
    }

    /// <summary>Deletes a received message.</summary>
    /// <exception cref="RequestFailedException">
    /// Status 404 (MessageNotFound) when the message is gone; 400 (PopReceiptMismatch) when <paramref name="popReceipt"/>
    /// is no longer current because another receive or update replaced it.
    /// </exception>
    public async Task DeleteMessageAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessageRequest(RequestMethod.Delete, messageId, popReceipt);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (message.Response.Status != 204)
        {
            throw StorageErrors.Create(message.Response, $"Deleting a message from queue '{Name}'");
        }
    }

    /// <summary>
    /// Changes when a received message becomes visible again (zero makes it visible at once, releasing it to other
    /// receivers), optionally replacing its text.
    /// </summary>
    /// <param name="messageId">The message id.</param>
    /// <param name="popReceipt">The current pop receipt.</param>
    /// <param name="visibilityTimeout">0 to 7 days from now.</param>
    /// <param name="messageText">New text, encoded like sent text; null keeps the current text.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new pop receipt (the old one stops working) and the new visibility time.</returns>
    /// <exception cref="RequestFailedException">Status 404 (MessageNotFound) when the message is gone; 400 (PopReceiptMismatch) when the pop receipt is no longer current.</exception>
    public async Task<UpdateReceipt> UpdateMessageAsync(string messageId, string popReceipt, TimeSpan visibilityTimeout, string? messageText = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessageRequest(RequestMethod.Put, messageId, popReceipt);
        message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(visibilityTimeout, nameof(visibilityTimeout)));
        if (messageText is not null)
        {
            SetMessageContent(message.Request, Encode(messageText));
        }
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.Status != 204)
        {
            throw StorageErrors.Create(response, $"Updating a message in queue '{Name}'");
        }
        if (!response.Headers.TryGetValue("x-ms-popreceipt", out var newPopReceipt) || !response.Headers.TryGetValue("x-ms-time-next-visible", out var nextVisible))
        {
            throw new RequestFailedException(response.Status, $"Updating a message in queue '{Name}': the service answered without a new pop receipt.", null, null);
        }
        return new UpdateReceipt(newPopReceipt, ParseDate(nextVisible));
    }

    private HttpMessage CreateMessage(RequestMethod method)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(_queueUri);
        message.Request.Headers.SetValue("x-ms-version", ServiceVersion);
        return message;
    }

    private HttpMessage CreateMessageRequest(RequestMethod method, string messageId, string popReceipt)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        var message = CreateMessage(method);
        message.Request.Uri.AppendPath("/messages/", escape: false);
        message.Request.Uri.AppendPath(messageId, escape: true);
        message.Request.Uri.AppendQuery("popreceipt", popReceipt, escapeValue: true);
        return message;
    }

    private static void SetMessageContent(Request request, string text)
    {
        string xml;
        try
        {
            xml = new XElement("QueueMessage", new XElement("MessageText", text)).ToString(SaveOptions.DisableFormatting);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException("The message text holds characters XML cannot carry; send it with QueueMessageEncoding.Base64.", "messageText");
        }
        request.Headers.SetValue(HttpHeader.Names.ContentType, "application/xml; charset=utf-8");
        request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(xml));
    }

    private string Encode(string text) =>
        _encoding == QueueMessageEncoding.Base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) : text;

    private (string Text, bool DecodingFailed) Decode(string stored)
    {
        if (_encoding != QueueMessageEncoding.Base64)
        {
            return (stored, false);
        }
        try
        {
            return (StrictUtf8.GetString(Convert.FromBase64String(stored)), false);
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            return (stored, true);
        }
    }

    private static IEnumerable<XElement> ReadMessageElements(Response response)
    {
        var document = XDocument.Parse(response.Content.ToString());
        return document.Root?.Elements("QueueMessage") ?? [];
    }

    private static string Text(XElement message, string name) =>
        message.Element(name)?.Value ?? throw new FormatException($"The queue service answered a message without {name}.");

    private static DateTimeOffset Date(XElement message, string name) => ParseDate(Text(message, name));

    private static DateTimeOffset ParseDate(string rfc1123) =>
        DateTimeOffset.ParseExact(rfc1123, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static string Seconds(TimeSpan value, string parameterName)
    {
        if (value < TimeSpan.Zero || value > MaxVisibilityTimeout)
        {
            throw new ArgumentOutOfRangeException(parameterName, value, "A visibility timeout is between 0 and 7 days.");
        }
        return ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    private static string PositiveSeconds(TimeSpan value, string parameterName)
    {
        if (value < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(parameterName, value, "A time to live is at least one second, or Timeout.InfiniteTimeSpan.");
        }
        return ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    private static HttpPipelinePolicy SharedKey(StorageSharedKeyCredential credential, QueueClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return new StorageSharedKeyPolicy(credential, options.TimeProvider);
    }

    [GeneratedRegex("^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$")]
    private static partial Regex QueueNamePattern();
}
