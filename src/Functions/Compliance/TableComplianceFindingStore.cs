using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Blueshift.Functions.Compliance;

/// <summary>Findings on Table storage: partition = app, row = <see cref="FindingKeys.RowKey"/>; evidence as a JSON property.</summary>
public sealed class TableComplianceFindingStore(TableClient table) : IComplianceFindingStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private int _tableCreated;

    public async Task<IReadOnlyList<ComplianceFinding>> ListAsync(string app, string job, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var findings = new List<ComplianceFinding>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {app} and Job eq {job}"), cancellationToken: cancellationToken))
        {
            findings.Add(FromEntity(entity));
        }
        return findings;
    }

    public async Task SaveAsync(ComplianceFinding finding, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        await table.UpsertEntityAsync(ToEntity(finding), TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<FindingPage> QueryAsync(FindingQuery query, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var conditions = new List<string>();
        if (query.App is not null)
        {
            conditions.Add(TableClient.CreateQueryFilter($"PartitionKey eq {query.App}"));
        }
        if (query.Kind is not null)
        {
            conditions.Add(TableClient.CreateQueryFilter($"Kind eq {query.Kind}"));
        }
        if (query.Job is not null)
        {
            conditions.Add(TableClient.CreateQueryFilter($"Job eq {query.Job}"));
        }
        if (query.Status is { } status)
        {
            conditions.Add(TableClient.CreateQueryFilter($"Status eq {status.ToString()}"));
        }
        var filter = conditions.Count == 0 ? null : string.Join(" and ", conditions);
        var token = continuationToken is null ? null : DecodeToken(continuationToken, filter);
        await EnsureTableAsync(cancellationToken);
        try
        {
            await foreach (var page in table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(token, pageSize))
            {
                // A filtered page may come back short (even empty) with a token: the service stops at its own limits.
                return new FindingPage([.. page.Values.Select(FromEntity)], page.ContinuationToken is { Length: > 0 } next ? EncodeToken(next, filter) : null);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 400 && token is not null)
        {
            // A token made to pass the check (the check holds no secret) still names keys the service refuses.
            throw new FormatException(NotOurToken, ex);
        }
        return new FindingPage([], null);
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _tableCreated) == 0)
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _tableCreated, 1);
        }
    }

    private const string NotOurToken = "The continuation token is not one this API gave out for this query.";

    // The service's token names the next keys (app names, escaped kinds): opaque and URL-safe for the API's callers. A
    // check over the token and the query's filter turns a mangled token, or one of another query, into a clear 400
    // before any request (Azurite ignores keys it does not know; the Table service answers 400).
    private static string EncodeToken(string token, string? filter) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{token}\n{Check(token, filter)}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string DecodeToken(string token, string? filter)
    {
        if (token.Length is 0 or > 4096 || token.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new FormatException(NotOurToken);
        }
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new FormatException(NotOurToken);
        }
        var separator = decoded.LastIndexOf('\n');
        if (separator <= 0 || !string.Equals(decoded[(separator + 1)..], Check(decoded[..separator], filter), StringComparison.Ordinal))
        {
            throw new FormatException(NotOurToken);
        }
        return decoded[..separator];
    }

    private static string Check(string token, string? filter) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"compliance-findings/1\n{filter}\n{token}")), 0, 8);

    private static TableEntity ToEntity(ComplianceFinding f) => new(f.App, f.Id)
    {
        ["Job"] = f.Job,
        ["Kind"] = f.Kind,
        ["Subject"] = f.Subject,
        ["Severity"] = f.Severity.ToString(),
        ["Summary"] = f.Summary,
        ["Evidence"] = JsonSerializer.Serialize(f.Evidence, Json),
        ["FirstSeen"] = f.FirstSeen,
        ["LastSeen"] = f.LastSeen,
        ["ResolvedAt"] = f.ResolvedAt,
        ["Status"] = f.Status.ToString(),
        ["LastRunId"] = f.LastRunId,
        ["LastChange"] = f.LastChange.ToString(),
        ["LastChangeRunId"] = f.LastChangeRunId,
        ["Notified"] = f.Notified,
    };

    private static ComplianceFinding FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetString("Job") ?? string.Empty,
        e.GetString("Kind") ?? string.Empty,
        e.GetString("Subject") ?? string.Empty,
        Enum.Parse<FindingSeverity>(e.GetString("Severity") ?? nameof(FindingSeverity.Low)),
        e.GetString("Summary") ?? string.Empty,
        JsonSerializer.Deserialize<Dictionary<string, string>>(e.GetString("Evidence") ?? "{}", Json) ?? [],
        e.GetDateTimeOffset("FirstSeen") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("LastSeen") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("ResolvedAt"),
        Enum.Parse<FindingStatus>(e.GetString("Status") ?? nameof(FindingStatus.Open)),
        e.GetString("LastRunId") ?? string.Empty,
        Enum.Parse<FindingChange>(e.GetString("LastChange") ?? nameof(FindingChange.Opened)),
        e.GetString("LastChangeRunId") ?? string.Empty,
        e.GetBoolean("Notified") ?? false);
}
