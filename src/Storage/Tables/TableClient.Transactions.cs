using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;

namespace Blueshift.Storage.Tables;

/// <summary>What one action of an entity group transaction does.</summary>
public enum TableTransactionActionType
{
    /// <summary>Insert; the transaction fails with 409 when the entity exists.</summary>
    Add,

    /// <summary>Merge into the stored entity if it matches the action's ETag (or any version with <see cref="ETag.All"/>).</summary>
    UpdateMerge,

    /// <summary>Replace the stored entity if it matches the action's ETag (or any version with <see cref="ETag.All"/>).</summary>
    UpdateReplace,

    /// <summary>Insert, or merge into the stored entity regardless of version.</summary>
    UpsertMerge,

    /// <summary>Insert, or replace the stored entity regardless of version.</summary>
    UpsertReplace,

    /// <summary>Delete the entity if it matches the action's ETag (any version when the ETag is the default).</summary>
    Delete,
}

/// <summary>One action of an entity group transaction.</summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, TableEntity Entity, ETag ETag = default);

/// <summary>An entity group transaction failed as a whole; <see cref="FailedActionIndex"/> names the action that failed.</summary>
public sealed class TableTransactionFailedException(int status, string message, string? errorCode, int? failedActionIndex)
    : RequestFailedException(status, message, errorCode, null)
{
    /// <summary>The index of the failing action in the submitted list, when the service said which one it was.</summary>
    public int? FailedActionIndex { get; } = failedActionIndex;
}

public sealed partial class TableClient
{
    private const int MaxTransactionActions = 100;

    /// <summary>
    /// Submits up to 100 actions on entities of one partition as one atomic entity group transaction (one round trip):
    /// either every action takes effect or none does. On success each written entity's ETag is its new version.
    /// </summary>
    /// <exception cref="ArgumentException">No actions, more than 100, or entities of more than one partition.</exception>
    /// <exception cref="TableTransactionFailedException">An action failed (for example 409 for an insert of an existing entity); nothing changed.</exception>
    public async Task SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > MaxTransactionActions)
        {
            throw new ArgumentException($"A transaction holds 1 to {MaxTransactionActions} actions; this one has {actions.Count}.", nameof(actions));
        }
        var partition = actions[0].Entity.PartitionKey;
        if (actions.Any(a => a.Entity.PartitionKey != partition))
        {
            throw new ArgumentException("Every action of a transaction must address the same partition.", nameof(actions));
        }

        var batch = "batch_" + Guid.NewGuid().ToString("N");
        var changeset = "changeset_" + Guid.NewGuid().ToString("N");
        using var message = CreateMessage(RequestMethod.Post, MinimalMetadata);
        message.Request.Uri.AppendPath("/$batch", escape: false);
        message.Request.Headers.SetValue(HttpHeader.Names.ContentType, "multipart/mixed; boundary=" + batch);
        message.Request.Content = RequestContent.Create(BuildBatchBody(actions, batch, changeset));
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);

        var response = message.Response;
        if (response.Status != 202)
        {
            throw StorageErrors.Create(response, $"Submitting a transaction to table '{Name}'");
        }
        var parts = ParseBatchResponse(response.Content.ToString());
        var failed = parts.FindIndex(p => p.Status >= 300);
        if (failed >= 0 || parts.Count != actions.Count)
        {
            var part = failed >= 0 ? parts[failed] : default;
            var (code, detail, index) = ParseTransactionError(part.Body);
            var status = failed >= 0 ? part.Status : 500;
            throw new TableTransactionFailedException(status,
                $"A transaction on table '{Name}' failed at action {(index ?? failed).ToString(CultureInfo.InvariantCulture)}: {detail ?? "no detail"} (Status {status}, ErrorCode {code ?? "none"})",
                code, index ?? (failed >= 0 && parts.Count == actions.Count ? failed : null));
        }
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i].ActionType != TableTransactionActionType.Delete && parts[i].ETag is { } etag)
            {
                actions[i].Entity.ETag = new ETag(etag);
            }
        }
    }

    private byte[] BuildBatchBody(IReadOnlyList<TableTransactionAction> actions, string batch, string changeset)
    {
        var body = new StringBuilder();
        body.Append("--").Append(batch).Append("\r\n")
            .Append("Content-Type: multipart/mixed; boundary=").Append(changeset).Append("\r\n\r\n");
        foreach (var action in actions)
        {
            var entity = action.Entity;
            var tableUri = _serviceEndpoint.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(Name);
            var entityUri = tableUri + "(PartitionKey=" + Uri.EscapeDataString(TableQueryFilter.Quote(entity.PartitionKey)) +
                            ",RowKey=" + Uri.EscapeDataString(TableQueryFilter.Quote(entity.RowKey)) + ")";
            var (method, uri, ifMatch, content) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", tableUri, null, true),
                TableTransactionActionType.UpdateMerge => ("MERGE", entityUri, IfMatch(action.ETag), true),
                TableTransactionActionType.UpdateReplace => ("PUT", entityUri, IfMatch(action.ETag), true),
                TableTransactionActionType.UpsertMerge => ("MERGE", entityUri, null, true),
                TableTransactionActionType.UpsertReplace => ("PUT", entityUri, null, true),
                TableTransactionActionType.Delete => ("DELETE", entityUri, action.ETag == default ? "*" : action.ETag.ToString("H"), false),
                _ => throw new ArgumentOutOfRangeException(nameof(actions), action.ActionType, "Unknown transaction action."),
            };
            body.Append("--").Append(changeset).Append("\r\n")
                .Append("Content-Type: application/http\r\n")
                .Append("Content-Transfer-Encoding: binary\r\n\r\n")
                .Append(method).Append(' ').Append(uri).Append(" HTTP/1.1\r\n")
                .Append("Accept: ").Append(NoMetadata).Append("\r\n")
                .Append("DataServiceVersion: 3.0\r\n");
            if (ifMatch is not null)
            {
                body.Append("If-Match: ").Append(ifMatch).Append("\r\n");
            }
            if (content)
            {
                if (action.ActionType == TableTransactionActionType.Add)
                {
                    body.Append("Prefer: return-no-content\r\n");
                }
                body.Append("Content-Type: application/json\r\n\r\n")
                    .Append(Encoding.UTF8.GetString(TableEntityJson.Serialize(entity))).Append("\r\n");
            }
            else
            {
                body.Append("\r\n");
            }
        }
        body.Append("--").Append(changeset).Append("--\r\n")
            .Append("--").Append(batch).Append("--\r\n");
        return Encoding.UTF8.GetBytes(body.ToString());
    }

    private static string IfMatch(ETag etag) => etag == default
        ? throw new ArgumentException("An update in a transaction needs the entity's ETag, or ETag.All to update unconditionally.")
        : etag.ToString("H");

    /// <summary>The embedded responses of a batch answer, in order: status, ETag header and body of each.</summary>
    internal static List<(int Status, string? ETag, string Body)> ParseBatchResponse(string text)
    {
        var parts = new List<(int, string?, string)>();
        foreach (Match match in EmbeddedResponse().Matches(text))
        {
            var headers = match.Groups["headers"].Value;
            var etag = EmbeddedETag().Match(headers);
            parts.Add((int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture), etag.Success ? etag.Groups[1].Value.Trim() : null, match.Groups["body"].Value));
        }
        return parts;
    }

    /// <summary>The service names the failing action by prefixing its message with the action's index and a colon.</summary>
    private static (string? Code, string? Message, int? Index) ParseTransactionError(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null, null);
        }
        var code = ErrorCodeInBody().Match(body);
        var message = ErrorMessageInBody().Match(body);
        var text = message.Success ? Regex.Unescape(message.Groups[1].Value) : null;
        int? index = null;
        if (text is not null && IndexPrefix().Match(text) is { Success: true } prefix)
        {
            index = int.Parse(prefix.Groups[1].Value, CultureInfo.InvariantCulture);
            text = text[prefix.Length..];
        }
        return (code.Success ? code.Groups[1].Value : null, text?.Split('\n')[0].Trim(), index);
    }

    [GeneratedRegex(@"HTTP/1\.1 (?<status>\d{3})[^\r\n]*\r?\n(?<headers>(?:[^\r\n]+\r?\n)*)\r?\n(?<body>[^\r\n]*(?:\r?\n(?!--)[^\r\n]*)*)")]
    private static partial Regex EmbeddedResponse();

    [GeneratedRegex(@"(?im)^ETag:\s*(.+)$")]
    private static partial Regex EmbeddedETag();

    [GeneratedRegex("\"code\"\\s*:\\s*\"([^\"]*)\"")]
    private static partial Regex ErrorCodeInBody();

    [GeneratedRegex("\"value\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex ErrorMessageInBody();

    [GeneratedRegex(@"^(\d+):")]
    private static partial Regex IndexPrefix();
}
