using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Blueshift.Functions.Storage;

namespace Blueshift.Functions.Alerts;

/// <summary>Which delivery of an alert acts: identified by alert id and monitor condition (a Resolved follows a Fired).</summary>
public readonly record struct AlertKey(string AlertId, string MonitorCondition)
{
    /// <summary>A Table-safe key: alert ids are ARM ids, full of characters row keys refuse, and may be long.</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{MonitorCondition}\n{AlertId}")));
}

/// <summary>The state of a durable claim on one alert delivery.</summary>
public abstract record ClaimResult
{
    private ClaimResult()
    {
    }

    /// <summary>This instance owns the alert; it must <see cref="AlertClaims.CompleteAsync"/> or <see cref="AlertClaims.ReleaseAsync"/>.</summary>
    public sealed record Owned(ETag ETag) : ClaimResult;

    /// <summary>The alert was handled before; this is the answer that was given.</summary>
    public sealed record Answered(AlertAnswer Answer) : ClaimResult;

    /// <summary>Another delivery is being handled right now (elsewhere, or by a crashed instance whose lease has not run out).</summary>
    public sealed record Busy : ClaimResult;
}

/// <summary>
/// Durable, cross-instance claims on alert deliveries: inserting the claim entity is atomic (the Table service refuses a
/// second insert with 409), so of concurrent deliveries exactly one acts; its answer is stored for later replays.
/// </summary>
public sealed class AlertClaims(TableClient table, TimeProvider time, TimeSpan lease)
{
    private const string Claimed = "Claimed";
    private const string Completed = "Completed";

    private volatile bool _tableExists;

    public async Task<ClaimResult> ClaimAsync(AlertKey key, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var token = Guid.NewGuid().ToString("N");
        var entity = ClaimEntity(key, token);
        try
        {
            return new ClaimResult.Owned(await table.AddEntityWithETagAsync(entity, cancellationToken));
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return await ReadExistingAsync(key, token, cancellationToken);
        }
    }

    public async Task CompleteAsync(AlertKey key, ETag claim, AlertAnswer answer, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(key.Hash, key.Hash)
        {
            ["State"] = Completed,
            ["CompletedAt"] = time.GetUtcNow(),
            ["Answer"] = answer.ToJson(),
        };
        await table.UpdateEntityAsync(entity, claim, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Gives the claim up after a failure, so the action group's retry can act.</summary>
    public async Task ReleaseAsync(AlertKey key, ETag claim, CancellationToken cancellationToken) =>
        await table.DeleteEntityAsync(key.Hash, key.Hash, claim, cancellationToken);

    private async Task<ClaimResult> ReadExistingAsync(AlertKey key, string token, CancellationToken cancellationToken)
    {
        var existing = await table.GetEntityOrNullAsync(key.Hash, key.Hash, cancellationToken);
        if (existing is null)
        {
            // Released between our insert and our read: the next delivery (or the action group's retry) claims it.
            return new ClaimResult.Busy();
        }
        if (existing.GetString("State") == Completed && existing.GetString("Answer") is { } json && AlertAnswer.FromJson(json) is { } answer)
        {
            return new ClaimResult.Answered(answer);
        }
        if (existing.GetString("Token") == token)
        {
            // Our own insert, retried by the pipeline after its first attempt had succeeded unseen.
            return new ClaimResult.Owned(existing.ETag);
        }
        var claimedAt = existing.GetDateTimeOffset("ClaimedAt") ?? DateTimeOffset.MinValue;
        if (time.GetUtcNow() - claimedAt < lease)
        {
            return new ClaimResult.Busy();
        }
        // The owner crashed without finishing or releasing: take over, guarded by the ETag so only one taker wins.
        var takeover = ClaimEntity(key, token);
        try
        {
            return new ClaimResult.Owned(await table.UpdateEntityWithETagAsync(takeover, existing.ETag, TableUpdateMode.Replace, cancellationToken));
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return new ClaimResult.Busy();
        }
    }

    // The row key repeats the hash: Azurite looks entities up by row key, so one shared by every claim would cost it a scan
    // of them all on each insert and read. Claims kept under the shared key "claim" by earlier versions are not
    // consulted: they matter only to a delivery retried across an upgrade, and a Fired alert decided twice for one
    // release rolls it back once (the second finds the rollback under way).
    private TableEntity ClaimEntity(AlertKey key, string token) => new(key.Hash, key.Hash)
    {
        ["State"] = Claimed,
        ["Token"] = token,
        ["ClaimedAt"] = time.GetUtcNow(),
        ["MonitorCondition"] = key.MonitorCondition,
    };

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (!_tableExists)
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
            _tableExists = true;
        }
    }
}
