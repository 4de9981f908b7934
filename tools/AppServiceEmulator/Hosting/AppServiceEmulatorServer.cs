using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Blueshift.AppServiceEmulator;

/// <summary>
/// Plays Azure Resource Manager (Microsoft.Web/sites, Microsoft.Insights/metrics) and the App Service front end on
/// 127.0.0.1, the way Azurite plays Storage. Start one per test (or per test class) and dispose it.
/// </summary>
public sealed partial class AppServiceEmulatorServer : IAsyncDisposable
{
    private readonly object _sitesGate = new();
    private readonly List<EmulatedSite> _sites = [];
    // Every ARM call looks its site up: by key, not by a walk of the list (a thousand sites made that walk a hot spot).
    private readonly Dictionary<string, EmulatedSite> _sitesByKey = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte[]> _packages = new(StringComparer.OrdinalIgnoreCase);
    private readonly ListenerPool _listeners = new();
    private WebApplication? _app;

    private AppServiceEmulatorServer(EmulatorOptions options)
    {
        Options = options;
        Time = options.TimeProvider;
        Logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Blueshift.AppServiceEmulator");
        Operations = new OperationTracker(Time, options);
        TrafficLog = new TrafficLog(Time, options.TrafficRetention);
        DataPlane = new DataPlane(Time, options, TrafficLog);
        Faults = new FaultInjector(this);
        Traffic = new TrafficGenerator();
        ServerCertificate = options.UseHttps ? EmulatorCertificate.Create() : null;
        PackageClient = new HttpClient(CreateHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public EmulatorOptions Options { get; }

    /// <summary>http(s)://127.0.0.1:{port}/ — use it as the ARM base address (the Azure "management.azure.com").</summary>
    public Uri ArmEndpoint { get; private set; } = null!;

    /// <summary>http://127.0.0.1:{port}/_emulator/ — the HTTP control API.</summary>
    public Uri ControlEndpoint => new(ArmEndpoint, "_emulator/");

    /// <summary>The self-signed certificate of the https endpoint (<see cref="EmulatorOptions.UseHttps"/>), or null.</summary>
    public X509Certificate2? ServerCertificate { get; }

    /// <summary>
    /// An HTTP handler for clients of the emulator: it trusts the emulator's own certificate (pinned by thumbprint) when
    /// <see cref="EmulatorOptions.UseHttps"/> is set. Use it as an Azure.Core transport: <c>new HttpClientTransport(emulator.CreateHttpHandler())</c>.
    /// </summary>
    public HttpMessageHandler CreateHttpHandler() => EmulatorCertificate.TrustingHandler(ServerCertificate);

    /// <summary>The Key Vault stand-in when <see cref="EmulatorOptions.KeyVault"/> is set, else null.</summary>
    public KeyVaultEmulator? KeyVault { get; private set; }

    public TrafficLog TrafficLog { get; }
    public ArmCallLog ArmCallLog { get; } = new();
    public SwapLog SwapLog { get; } = new();
    public FaultInjector Faults { get; }
    public TrafficGenerator Traffic { get; }

    public IReadOnlyList<EmulatedSite> Sites
    {
        get { lock (_sitesGate) { return [.. _sites]; } }
    }

    internal TimeProvider Time { get; }
    internal ILogger Logger { get; }
    internal OperationTracker Operations { get; }
    internal DataPlane DataPlane { get; }
    internal HttpClient PackageClient { get; }

    public static async Task<AppServiceEmulatorServer> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmulatorOptions();
        options.Validate();
        var server = new AppServiceEmulatorServer(options);
        try
        {
            await server.StartArmAsync(cancellationToken);
            if (options.KeyVault)
            {
                server.KeyVault = await KeyVaultEmulator.StartAsync(options.KeyVaultPort, server.Time, server.Logger, cancellationToken);
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task StartArmAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, Options.Port, listen =>
            {
                if (ServerCertificate is not null)
                {
                    listen.UseHttps(ServerCertificate);
                }
            });
            kestrel.Limits.MaxRequestBodySize = 256L * 1024 * 1024;
        });
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        var app = builder.Build();
        var arm = new ArmApi(this);
        app.Map("/subscriptions/{**rest}", (RequestDelegate)arm.HandleAsync);
        ControlApi.Map(app, this);
        app.MapFallback(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsJsonAsync(new { error = new { code = "NotFound", message = $"No ARM or control endpoint at {context.Request.Path}." } });
        });
        await app.StartAsync(cancellationToken);
        _app = app;
        ArmEndpoint = new Uri($"{(ServerCertificate is null ? "http" : "https")}://127.0.0.1:{ListenerPool.BoundPorts(app).First()}/");
        Log.Listening(Logger, ArmEndpoint);
    }

    /// <summary>
    /// Creates a site with a production slot and the given deployment slots, each on its own listener, plus the
    /// front door. Every slot starts with <paramref name="initial"/> (default <see cref="AppBehaviour.Initial"/>).
    /// </summary>
    public async Task<EmulatedSite> CreateSiteAsync(
        string subscriptionId,
        string resourceGroup,
        string name,
        IEnumerable<string>? slots = null,
        AppBehaviour? initial = null,
        CancellationToken cancellationToken = default)
    {
        ValidateName(subscriptionId, nameof(subscriptionId));
        ValidateName(resourceGroup, nameof(resourceGroup));
        ValidateName(name, nameof(name));
        var slotNames = (slots ?? []).ToList();
        foreach (var slotName in slotNames)
        {
            ValidateName(slotName, nameof(slots));
            if (slotName.Equals(EmulatedSite.ProductionSlotName, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("'production' is the production slot; it exists already.", nameof(slots));
            }
        }
        if (slotNames.Distinct(StringComparer.OrdinalIgnoreCase).Count() != slotNames.Count)
        {
            throw new ArgumentException("Slot names must be distinct.", nameof(slots));
        }
        initial ??= AppBehaviour.Initial;
        initial.Validate();

        var site = new EmulatedSite(subscriptionId, resourceGroup, name, Options.Location);
        lock (_sitesGate)
        {
            if (TryGetSite(subscriptionId, resourceGroup, name, out _))
            {
                throw new InvalidOperationException($"Site {name} exists already in {subscriptionId}/{resourceGroup}.");
            }
            _sites.Add(site);
            _sitesByKey.Add(SiteKey(subscriptionId, resourceGroup, name), site);
        }

        var now = Time.GetUtcNow();
        foreach (var slotName in new[] { EmulatedSite.ProductionSlotName }.Concat(slotNames))
        {
            var slot = new EmulatedSlot(site, slotName, new SlotContent(initial, "initial", now));
            site.AddSlot(slot);
            slot.Port = await _listeners.AddAsync(context => DataPlane.ServeSlotAsync(context, slot), cancellationToken);
        }
        site.FrontDoorPort = await _listeners.AddAsync(context => DataPlane.ServeFrontDoorAsync(context, site), cancellationToken);
        Log.SiteCreated(Logger, site.Name, site.DefaultHostName, string.Join(", ", site.Slots.Select(s => $"{s.Name}={s.DirectHostName}")));
        return site;
    }

    public EmulatedSite GetSite(string subscriptionId, string resourceGroup, string name) =>
        TryGetSite(subscriptionId, resourceGroup, name, out var site)
            ? site
            : throw new KeyNotFoundException($"No site {name} in {subscriptionId}/{resourceGroup}.");

    public bool TryGetSite(string subscriptionId, string resourceGroup, string name, out EmulatedSite site)
    {
        lock (_sitesGate)
        {
            return _sitesByKey.TryGetValue(SiteKey(subscriptionId, resourceGroup, name), out site!);
        }
    }

    // '/' cannot occur in a name (ValidateName), so the key is unambiguous.
    private static string SiteKey(string subscriptionId, string resourceGroup, string name) => $"{subscriptionId}/{resourceGroup}/{name}";

    /// <summary>Puts a package in the slot at once (test set-up; a OneDeploy through ARM is the realistic path).</summary>
    public void SetContent(EmulatedSlot slot, AppBehaviour behaviour)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(behaviour);
        behaviour.Validate();
        lock (slot.Site.Gate)
        {
            slot.Content = new SlotContent(behaviour, "set-" + Guid.NewGuid().ToString("N")[..8], Time.GetUtcNow());
        }
    }

    /// <summary>Replaces the slot's app settings at once (test set-up).</summary>
    public void SetAppSettings(EmulatedSlot slot, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(settings);
        lock (slot.Site.Gate)
        {
            slot.Settings = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        }
    }

    /// <summary>Marks app settings as sticky (slot-specific) at once (test set-up; PUT config/slotConfigNames does the same over ARM).</summary>
    public void SetStickyAppSettings(EmulatedSite site, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(site);
        lock (site.Gate)
        {
            site.StickyAppSettings = [.. names];
        }
    }

    /// <summary>Long-running operations so far (checking the clock rule first).</summary>
    public IReadOnlyList<OperationSnapshot> GetOperations() => Operations.Snapshot();

    /// <summary>Completes operations whose duration has passed on the clock (ARM calls do this too).</summary>
    public void AdvanceOperations() => Operations.AdvanceAll();

    /// <summary>Hosts a package at <see cref="PackageUri"/> so a OneDeploy can name it by packageUri.</summary>
    public Uri PutPackage(string name, byte[] package)
    {
        ValidateName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(package);
        _packages[name] = package;
        return PackageUri(name);
    }

    public Uri PackageUri(string name) => new(ControlEndpoint, $"packages/{Uri.EscapeDataString(name)}");

    internal bool TryGetPackage(string name, out byte[] package) => _packages.TryGetValue(name, out package!);

    internal void SetSlotReachable(EmulatedSlot slot, bool reachable)
    {
        ArgumentNullException.ThrowIfNull(slot);
        lock (slot.Site.Gate)
        {
            slot.Reachable = reachable;
        }
        Log.SlotReachability(Logger, slot.Site.Name, slot.Name, reachable ? "reachable" : "unreachable");
    }

    internal static void ValidateName(string value, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value) || !NamePattern().IsMatch(value))
        {
            throw new ArgumentException($"'{value}' is not a valid name: use 1-90 letters, digits, '-', '_' or '.'.", parameter);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,89}$")]
    private static partial Regex NamePattern();

    public async ValueTask DisposeAsync()
    {
        await Traffic.StopAllAsync();
        await _listeners.DisposeAsync();
        if (KeyVault is not null)
        {
            await KeyVault.DisposeAsync();
        }
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
        PackageClient.Dispose();
        ServerCertificate?.Dispose();
        Traffic.Dispose();
    }
}
