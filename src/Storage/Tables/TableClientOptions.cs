using Azure.Core;

namespace Blueshift.Storage.Tables;

/// <summary>Options for <see cref="TableClient"/>: retries, diagnostics and transport come from <see cref="ClientOptions"/>.</summary>
public sealed class TableClientOptions : ClientOptions
{
    /// <summary>Creates options with the Azure.Core defaults, logging the table headers that help diagnose concurrency and paging.</summary>
    public TableClientOptions()
    {
        Diagnostics.LoggedHeaderNames.Add("ETag");
        Diagnostics.LoggedHeaderNames.Add("x-ms-continuation-NextPartitionKey");
        Diagnostics.LoggedHeaderNames.Add("x-ms-continuation-NextRowKey");
        Diagnostics.LoggedHeaderNames.Add("x-ms-error-code");
    }

    /// <summary>The clock that dates Shared Key signatures; tests pin it.</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
