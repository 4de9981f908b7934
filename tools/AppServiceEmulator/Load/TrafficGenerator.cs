namespace Blueshift.AppServiceEmulator;

/// <summary>What a burst or run of synthetic load got back. Status 0 counts requests that got no HTTP answer.</summary>
public sealed record LoadSummary(int Requests, IReadOnlyDictionary<int, int> ByStatus, IReadOnlyDictionary<string, int> ByVersion)
{
    public int ServerErrors => ByStatus.Where(s => s.Key >= 500 || s.Key == 0).Sum(s => s.Value);
}

/// <summary>
/// A background run of steady load; it stops by itself at its request or time bound, or, when it has none (null), only
/// when stopped or when the emulator stops.
/// </summary>
public sealed class LoadRun
{
    private readonly LoadTally _tally = new();
    private readonly CancellationTokenSource _stop = new();

    internal LoadRun(EmulatedSite site, double requestsPerSecond, int? maxRequests, TimeSpan? maxDuration, bool isStanding = false)
    {
        IsStanding = isStanding;
        Site = site;
        RequestsPerSecond = requestsPerSecond;
        MaxRequests = maxRequests;
        MaxDuration = maxDuration;
    }

    public EmulatedSite Site { get; }
    public double RequestsPerSecond { get; }
    public int? MaxRequests { get; }
    public TimeSpan? MaxDuration { get; }

    /// <summary>The local stack's standing load (<see cref="TrafficGenerator.StartUnbounded"/>), which ad-hoc runs neither replace nor stop.</summary>
    public bool IsStanding { get; }
    public bool IsRunning => !Completion.IsCompleted;
    public Task Completion { get; internal set; } = Task.CompletedTask;
    public LoadSummary Summary => _tally.Summary();

    internal LoadTally Tally => _tally;
    internal CancellationToken StopToken => _stop.Token;

    internal void Stop() => _stop.Cancel();
}

internal sealed class LoadTally
{
    private readonly object _gate = new();
    private readonly Dictionary<int, int> _byStatus = [];
    private readonly Dictionary<string, int> _byVersion = new(StringComparer.Ordinal);
    private int _requests;

    public void Add(int status, string? version)
    {
        lock (_gate)
        {
            _requests++;
            _byStatus[status] = _byStatus.GetValueOrDefault(status) + 1;
            if (version is not null)
            {
                _byVersion[version] = _byVersion.GetValueOrDefault(version) + 1;
            }
        }
    }

    public LoadSummary Summary()
    {
        lock (_gate)
        {
            return new LoadSummary(_requests, new Dictionary<int, int>(_byStatus), new Dictionary<string, int>(_byVersion, StringComparer.Ordinal));
        }
    }
}

/// <summary>
/// Synthetic users of an emulated site: real HTTP requests to the front door, without cookies, so every request is
/// routed afresh by the routing rules. <see cref="SendAsync(EmulatedSite,int,int,string,CancellationToken)"/> sends
/// exactly N requests and returns when all have answered; <see cref="Start"/> runs paced load in the background.
/// </summary>
public sealed class TrafficGenerator : IDisposable
{
    public const int MaxRequestsPerCall = 1_000_000;

    private readonly HttpClient _client;
    private readonly object _gate = new();
    private LoadRun? _current;
    private LoadRun? _standing;

    internal TrafficGenerator()
    {
        _client = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The ad-hoc background run (<see cref="Start"/>) started last, if any.</summary>
    public LoadRun? Current
    {
        get { lock (_gate) { return _current; } }
    }

    /// <summary>The standing run (<see cref="StartUnbounded"/>), if any: it goes on beside ad-hoc runs until the emulator stops.</summary>
    public LoadRun? Standing
    {
        get { lock (_gate) { return _standing; } }
    }

    public Task<LoadSummary> SendAsync(EmulatedSite site, int requests, int concurrency = 8, string path = "/", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        return SendAsync(new Uri(site.FrontDoor, path), requests, concurrency, cancellationToken);
    }

    /// <summary>Sends exactly <paramref name="requests"/> GETs to <paramref name="target"/>, <paramref name="concurrency"/> at a time.</summary>
    public async Task<LoadSummary> SendAsync(Uri target, int requests, int concurrency = 8, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (requests is < 0 or > MaxRequestsPerCall)
        {
            throw new ArgumentOutOfRangeException(nameof(requests), requests, $"Send 0..{MaxRequestsPerCall} requests.");
        }
        if (concurrency is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(concurrency), concurrency, "Concurrency is 1..64.");
        }
        var tally = new LoadTally();
        var next = 0;
        var workers = Enumerable.Range(0, Math.Min(concurrency, Math.Max(requests, 1))).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                await SendOneAsync(target, tally, cancellationToken);
            }
        });
        await Task.WhenAll(workers);
        return tally.Summary();
    }

    /// <summary>
    /// Probes every reachable slot's health-check path once on its own listener, as App Service's platform pings
    /// each instance (every minute in Azure): the results feed the HealthCheckStatus metric. Returns slot → status.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> ProbeHealthAsync(EmulatedSite site, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(site);
        var results = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var slot in site.Slots.Where(s => s.IsReachable))
        {
            var tally = new LoadTally();
            await SendOneAsync(new Uri(slot.DirectEndpoint, slot.HealthCheckPath), tally, cancellationToken);
            results[slot.Name] = tally.Summary().ByStatus.Keys.Single();
        }
        return results;
    }

    /// <summary>
    /// Starts steady load on the site's front door at <paramref name="requestsPerSecond"/> (paced in real time), until
    /// <paramref name="maxRequests"/> were sent, <paramref name="maxDuration"/> (default 10 minutes) passed, or <see cref="StopAsync"/>.
    /// An ad-hoc run already going is stopped first; the standing run (<see cref="StartUnbounded"/>) goes on beside it.
    /// </summary>
    public LoadRun Start(EmulatedSite site, double requestsPerSecond, int maxRequests, TimeSpan? maxDuration = null, string path = "/")
    {
        ArgumentNullException.ThrowIfNull(site);
        CheckRate(requestsPerSecond);
        if (maxRequests is < 1 or > MaxRequestsPerCall)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRequests), maxRequests, $"A run sends 1..{MaxRequestsPerCall} requests.");
        }
        var duration = maxDuration ?? TimeSpan.FromMinutes(10);
        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromHours(24))
        {
            throw new ArgumentOutOfRangeException(nameof(maxDuration), duration, "A run lasts more than 0 and at most 24 hours.");
        }
        return Begin(new LoadRun(site, requestsPerSecond, maxRequests, duration), path);
    }

    /// <summary>
    /// Starts steady load on the site's front door with no bound: it runs until another standing run replaces it or the
    /// emulator stops; ad-hoc runs (<see cref="Start"/>, <see cref="StopAsync"/>) leave it alone. This is the local stack's
    /// standing traffic (<c>--load</c>), which must not run out under a release someone starts hours later.
    /// </summary>
    public LoadRun StartUnbounded(EmulatedSite site, double requestsPerSecond, string path = "/")
    {
        ArgumentNullException.ThrowIfNull(site);
        CheckRate(requestsPerSecond);
        return Begin(new LoadRun(site, requestsPerSecond, maxRequests: null, maxDuration: null, isStanding: true), path);
    }

    private static void CheckRate(double requestsPerSecond)
    {
        if (requestsPerSecond is <= 0 or > 1000 || double.IsNaN(requestsPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(requestsPerSecond), requestsPerSecond, "The rate is above 0 and at most 1000 requests per second.");
        }
    }

    private LoadRun Begin(LoadRun run, string path)
    {
        LoadRun? previous;
        lock (_gate)
        {
            if (run.IsStanding)
            {
                previous = _standing;
                _standing = run;
            }
            else
            {
                previous = _current;
                _current = run;
            }
        }
        previous?.Stop();
        run.Completion = RunAsync(run, new Uri(run.Site.FrontDoor, path));
        return run;
    }

    /// <summary>Stops the ad-hoc run, if one goes; the standing run goes on.</summary>
    public Task StopAsync() => StopAsync(Current);

    /// <summary>Stops every run, the standing one included, as the emulator does when it stops.</summary>
    internal async Task StopAllAsync()
    {
        LoadRun? adHoc, standing;
        lock (_gate)
        {
            adHoc = _current;
            standing = _standing;
        }
        await Task.WhenAll(StopAsync(adHoc), StopAsync(standing));
    }

    private static async Task StopAsync(LoadRun? run)
    {
        if (run is null)
        {
            return;
        }
        run.Stop();
        try
        {
            await run.Completion;
        }
        catch (OperationCanceledException)
        {
            // Stopping is the expected way for a run to end early.
        }
    }

    private async Task RunAsync(LoadRun run, Uri target)
    {
        // Pacing uses the wall clock on purpose: load is what real users would send, not the clock tests control.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(run.StopToken);
        if (run.MaxDuration is { } maxDuration)
        {
            deadline.CancelAfter(maxDuration);
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / run.RequestsPerSecond), TimeProvider.System);
        var inFlight = new List<Task>();
        try
        {
            for (var sent = 0L; (run.MaxRequests is not { } max || sent < max) && await timer.WaitForNextTickAsync(deadline.Token); sent++)
            {
                inFlight.Add(SendOneAsync(target, run.Tally, deadline.Token));
                inFlight.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped or out of time: the run ends with what it sent.
        }
        await Task.WhenAll(inFlight);
    }

    private async Task SendOneAsync(Uri target, LoadTally tally, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _client.GetAsync(target, cancellationToken);
            tally.Add((int)response.StatusCode, response.Headers.TryGetValues(DataPlane.VersionHeader, out var versions) ? versions.FirstOrDefault() : null);
        }
        catch (HttpRequestException)
        {
            tally.Add(0, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A stopped run abandons its in-flight request.
        }
    }

    public void Dispose() => _client.Dispose();
}
