using Microsoft.DurableTask.Client;

namespace Blueshift.Functions.Compliance;

/// <summary>
/// The Durable client a compliance check that reads orchestrations (governance) uses while a function runs it. The isolated
/// worker hands a function its client only through a <c>[DurableClient]</c> parameter, so the activity that runs checks
/// takes one and runs them inside <see cref="Use"/>; outside it, checks fall back to <c>DurableClientAccessor</c> (the HTTP
/// function's client, or one the host registered: the local host, tests).
/// </summary>
public static class ComplianceDurableClient
{
    private static readonly AsyncLocal<DurableTaskClient?> Scoped = new();

    internal static DurableTaskClient? Current => Scoped.Value;

    /// <summary>Makes <paramref name="client"/> the checks' client for the calls made until the result is disposed.</summary>
    public static IDisposable Use(DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var previous = Scoped.Value;
        Scoped.Value = client;
        return new Restore(previous);
    }

    private sealed class Restore(DurableTaskClient? previous) : IDisposable
    {
        public void Dispose() => Scoped.Value = previous;
    }
}
