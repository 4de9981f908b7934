using Azure.Core;

namespace Blueshift.Storage.Queues;

/// <summary>Options for <see cref="QueueClient"/>: retries, diagnostics and transport come from <see cref="ClientOptions"/>.</summary>
public sealed class QueueClientOptions : ClientOptions
{
    /// <summary>Creates options with the Azure.Core defaults, logging the queue headers that help diagnose message leases.</summary>
    public QueueClientOptions()
    {
        Diagnostics.LoggedHeaderNames.Add("x-ms-approximate-messages-count");
        Diagnostics.LoggedHeaderNames.Add("x-ms-time-next-visible");
        Diagnostics.LoggedHeaderNames.Add("x-ms-error-code");
    }

    /// <summary>How message text is encoded on send and decoded on receive and peek; <see cref="QueueMessageEncoding.None"/> by default.</summary>
    public QueueMessageEncoding MessageEncoding { get; set; } = QueueMessageEncoding.None;

    /// <summary>The clock that dates Shared Key signatures; tests pin it.</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
