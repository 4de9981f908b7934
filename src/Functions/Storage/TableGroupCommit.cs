using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace Blueshift.Functions.Storage;

/// <summary>
/// Group commit on one table: writes to a partition that arrive while an earlier write to it is in flight leave
/// together, as one entity group transaction (<see cref="TableClient.SubmitTransactionAsync"/>), when it returns. A write
/// to an idle partition leaves at once and alone (as a plain request when it is a single action), so nothing ever waits
/// on a timer; under load, concurrent writers to a busy partition share round trips.
/// </summary>
/// <remarks>
/// <para>
/// Each submission is a group of actions that stays together and takes effect all or nothing, as its own transaction
/// would. When one group's action fails, that group's caller gets the failure and the batch is sent again without it;
/// when the whole request fails (the service is unreachable, say) every caller in it gets the failure.
/// </para>
/// <para>
/// Submissions leave in the order they arrive. A transaction addresses an entity at most once, so a submission that
/// touches an entity already in the batch being formed waits for the next one, and so does everything behind it.
/// </para>
/// <para>
/// A caller that stops waiting (its token is cancelled) does not take its write back: like a request already sent, it
/// may still land.
/// </para>
/// </remarks>
public sealed class TableGroupCommit
{
    /// <summary>Entities per transaction allowed by the service.</summary>
    public const int MaxActions = 100;

    /// <summary>The service takes at most 4 MiB per transaction; batches stop well short of it by a generous estimate.</summary>
    private const int MaxEstimatedBytes = 2 * 1024 * 1024;

    private readonly TableClient _table;
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private long _requestsSent;

    /// <summary>Group commit for writes to <paramref name="table"/>; share one instance among every writer of the table.</summary>
    public TableGroupCommit(TableClient table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
    }

    /// <summary>Requests sent so far (one per round trip, resends included), for diagnostics and tests.</summary>
    public long RequestsSent => Interlocked.Read(ref _requestsSent);

    /// <summary>Writes one action; see <see cref="SubmitAsync(IReadOnlyList{TableTransactionAction}, CancellationToken)"/>.</summary>
    public Task SubmitAsync(TableTransactionAction action, CancellationToken cancellationToken = default) =>
        SubmitAsync([action], cancellationToken);

    /// <summary>
    /// Writes the actions, all on entities of one partition, as one unit. On success each written entity's
    /// <see cref="ITableEntity.ETag"/> is its new version.
    /// </summary>
    /// <exception cref="ArgumentException">No actions, too many, more than one partition, or one entity twice.</exception>
    /// <exception cref="TableSubmissionFailedException">An action of this submission failed (its index is within this submission); none of them took effect.</exception>
    /// <exception cref="RequestFailedException">The request carrying this submission failed as a whole.</exception>
    public Task SubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > MaxActions)
        {
            throw new ArgumentException($"A submission holds 1 to {MaxActions} actions; this one has {actions.Count}.", nameof(actions));
        }
        var partition = actions[0].Entity.PartitionKey;
        var rowKeys = new HashSet<string>(StringComparer.Ordinal);
        var bytes = 0;
        foreach (var action in actions)
        {
            if (action.Entity.PartitionKey != partition)
            {
                throw new ArgumentException("Every action of a submission must address the same partition.", nameof(actions));
            }
            if (!rowKeys.Add(action.Entity.RowKey))
            {
                throw new ArgumentException($"A submission addresses entity '{action.Entity.RowKey}' more than once.", nameof(actions));
            }
            bytes += EstimateBytes(action.Entity);
        }

        var submission = new Submission(actions, rowKeys, bytes);
        bool start;
        Lane? lane;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(partition, out lane))
            {
                lane = new Lane(partition);
                _lanes.Add(partition, lane);
            }
            lane.Queue.Enqueue(submission);
            start = !lane.Sending;
            lane.Sending = true;
        }
        if (start)
        {
            _ = SendAllAsync(lane);
        }
        return submission.Done.Task.WaitAsync(cancellationToken);
    }

    // One sender per partition at a time: it sends what is queued, then what queued up meanwhile, until nothing is left.
    private async Task SendAllAsync(Lane lane)
    {
        while (true)
        {
            List<Submission> batch;
            lock (_lanes)
            {
                batch = TakeBatch(lane.Queue);
                if (batch.Count == 0)
                {
                    lane.Sending = false;
                    _lanes.Remove(lane.Partition);
                    return;
                }
            }
            await SendAsync(batch).ConfigureAwait(false);
        }
    }

    private static List<Submission> TakeBatch(Queue<Submission> queue)
    {
        var batch = new List<Submission>();
        var entities = new HashSet<string>(StringComparer.Ordinal);
        var (actions, bytes) = (0, 0);
        while (queue.TryPeek(out var next))
        {
            var fits = batch.Count == 0 ||
                       (actions + next.Actions.Count <= MaxActions && bytes + next.Bytes <= MaxEstimatedBytes && !next.RowKeys.Overlaps(entities));
            if (!fits)
            {
                break;
            }
            queue.Dequeue();
            batch.Add(next);
            entities.UnionWith(next.RowKeys);
            actions += next.Actions.Count;
            bytes += next.Bytes;
        }
        return batch;
    }

    private async Task SendAsync(List<Submission> batch)
    {
        while (batch.Count > 0)
        {
            var actions = batch.Count == 1 ? batch[0].Actions : [.. batch.SelectMany(s => s.Actions)];
            try
            {
                Interlocked.Increment(ref _requestsSent);
                if (actions is [var only])
                {
                    await WriteOneAsync(only).ConfigureAwait(false);
                }
                else
                {
                    await SubmitAsync(actions).ConfigureAwait(false);
                }
                foreach (var submission in batch)
                {
                    submission.Done.TrySetResult();
                }
                return;
            }
            catch (TableTransactionFailedException ex) when (batch.Count > 1 && ex.FailedTransactionActionIndex is { } index && index >= 0 && index < actions.Count)
            {
                // Only the submission holding the failed action fails; nothing took effect, so the rest go again.
                var offset = 0;
                var culprit = batch.First(s => (offset += s.Actions.Count) > index);
                var own = index - (offset - culprit.Actions.Count);
                culprit.Done.TrySetException(Failed(ex, own));
                batch.Remove(culprit);
            }
            catch (TableTransactionFailedException ex) when (batch.Count == 1 && ex.FailedTransactionActionIndex is { } index)
            {
                batch[0].Done.TrySetException(Failed(ex, index));
                return;
            }
            catch (Exception ex)
            {
                foreach (var submission in batch)
                {
                    submission.Done.TrySetException(ex);
                }
                return;
            }
        }
    }

    // The service answers a transaction with one response per action, in order; each write's carries the new ETag.
    private async Task SubmitAsync(IReadOnlyList<TableTransactionAction> actions)
    {
        var responses = (await _table.SubmitTransactionAsync(actions, CancellationToken.None).ConfigureAwait(false)).Value;
        for (var i = 0; i < actions.Count && i < responses.Count; i++)
        {
            if (actions[i].ActionType != TableTransactionActionType.Delete && responses[i].Headers.ETag is { } etag)
            {
                actions[i].Entity.ETag = etag;
            }
        }
    }

    private static TableSubmissionFailedException Failed(RequestFailedException ex, int index) =>
        new(ex.Status, $"Action {index.ToString(CultureInfo.InvariantCulture)} of the submission failed: {FirstLine(ex.Message)}", ex.ErrorCode, index, ex);

    // The SDK's message appends the raw response (headers included); the first line says what went wrong.
    private static string FirstLine(string message)
    {
        var newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }

    /// <summary>
    /// A lone write goes as the plain request it is: the same effect as a one-action transaction, for less work at the
    /// service. A failure reads as the transaction's would (its action 0), so callers handle one kind of error.
    /// </summary>
    private async Task WriteOneAsync(TableTransactionAction action)
    {
        try
        {
            var response = action.ActionType switch
            {
                TableTransactionActionType.Add => await _table.AddEntityAsync(action.Entity).ConfigureAwait(false),
                TableTransactionActionType.UpdateMerge => await _table.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Merge).ConfigureAwait(false),
                TableTransactionActionType.UpdateReplace => await _table.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Replace).ConfigureAwait(false),
                TableTransactionActionType.UpsertMerge => await _table.UpsertEntityAsync(action.Entity, TableUpdateMode.Merge).ConfigureAwait(false),
                TableTransactionActionType.UpsertReplace => await _table.UpsertEntityAsync(action.Entity, TableUpdateMode.Replace).ConfigureAwait(false),
                TableTransactionActionType.Delete => await DeleteOneAsync(action).ConfigureAwait(false),
                _ => throw new ArgumentOutOfRangeException(nameof(action), action.ActionType, "Not a table action."),
            };
            if (action.ActionType != TableTransactionActionType.Delete && response.Headers.ETag is { } etag)
            {
                action.Entity.ETag = etag;
            }
        }
        catch (RequestFailedException ex) when (ex is not TableSubmissionFailedException && ex.Status is >= 400 and < 500 and not 408 and not 429)
        {
            throw Failed(ex, 0);
        }
    }

    // A plain delete takes a missing entity for success; in a transaction it fails the action, and so it does here.
    private async Task<Response> DeleteOneAsync(TableTransactionAction action)
    {
        var etag = action.ETag == default ? ETag.All : action.ETag;
        var response = await _table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, etag).ConfigureAwait(false);
        return response.Status == 404
            ? throw new TableSubmissionFailedException(404, $"No entity {action.Entity.PartitionKey}/{action.Entity.RowKey} to delete.", "ResourceNotFound", 0)
            : response;
    }

    // JSON of the worst kind: three bytes per character, base64 for binary, plus keys, names and per-action headers.
    private static int EstimateBytes(ITableEntity entity)
    {
        var bytes = 512 + 3 * (entity.PartitionKey.Length + entity.RowKey.Length);
        if (entity is not IEnumerable<KeyValuePair<string, object>> properties)
        {
            return bytes + 64 * 1024;
        }
        foreach (var (name, value) in properties)
        {
            bytes += 3 * name.Length + 16 + value switch
            {
                string text => 6 * text.Length,
                byte[] binary => (binary.Length + 2) / 3 * 4,
                BinaryData binary => (binary.ToMemory().Length + 2) / 3 * 4,
                _ => 64,
            };
        }
        return bytes;
    }

    private sealed class Lane(string partition)
    {
        public string Partition { get; } = partition;

        public Queue<Submission> Queue { get; } = new();

        public bool Sending { get; set; }
    }

    private sealed class Submission(IReadOnlyList<TableTransactionAction> actions, HashSet<string> rowKeys, int bytes)
    {
        public IReadOnlyList<TableTransactionAction> Actions { get; } = actions;

        public HashSet<string> RowKeys { get; } = rowKeys;

        public int Bytes { get; } = bytes;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
