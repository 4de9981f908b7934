namespace Blueshift.Storage.Queues;

/// <summary>How message text is stored in the queue.</summary>
public enum QueueMessageEncoding
{
    /// <summary>The text is stored as given (XML-escaped on the wire).</summary>
    None,

    /// <summary>The text's UTF-8 bytes are stored base64-encoded, as the Azure Functions host expects by default.</summary>
    Base64,
}
