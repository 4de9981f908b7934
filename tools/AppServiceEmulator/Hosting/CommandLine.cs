using System.Globalization;
using System.Text.Json;

namespace Blueshift.AppServiceEmulator;

/// <summary>A site to create at start-up, from <c>--sites name:slot1,slot2</c> or the JSON config.</summary>
internal sealed record SiteSpec(string Name, string[] Slots);

/// <summary>Standing synthetic load from <c>--load name:requestsPerSecond</c>: started with the emulator, never running out.</summary>
internal sealed record LoadSpec(string Site, double RequestsPerSecond);

/// <summary>
/// Command-line and JSON configuration of the emulator process. Arguments: <c>--port 7200</c>,
/// <c>--sites demo-app:staging other-app</c>, <c>--subscription</c>, <c>--resource-group</c>, <c>--version 1.0.0</c>,
/// <c>--no-latency</c>, <c>--https</c>, <c>--vault-port 0</c> (the Key Vault stand-in's port), <c>--operation-polls 2</c>, <c>--operation-seconds 30</c>,
/// <c>--traffic-retention 60</c> (minutes the traffic log keeps a request), <c>--config emulator.json</c>,
/// <c>--load demo-app:40</c> (synthetic users on that site's front door from start-up until the emulator stops).
/// </summary>
internal sealed class CommandLine
{
    public int Port { get; private set; } = 7200;
    /// <summary>The Key Vault stand-in's port (<c>--vault-port</c>); 0, the default, picks a free one.</summary>
    public int VaultPort { get; private set; }
    public string SubscriptionId { get; private set; } = ControlApi.DefaultSubscription;
    public string ResourceGroup { get; private set; } = ControlApi.DefaultResourceGroup;
    public string Version { get; private set; } = AppBehaviour.Initial.Version;
    public bool SimulateLatency { get; private set; } = true;
    public bool UseHttps { get; private set; }
    public int OperationPolls { get; private set; } = 2;
    public TimeSpan OperationDuration { get; private set; } = TimeSpan.FromSeconds(30);
    public TimeSpan TrafficRetention { get; private set; } = new EmulatorOptions().TrafficRetention;
    public List<SiteSpec> Sites { get; } = [];
    public LoadSpec? Load { get; private set; }

    private sealed record ConfigFile(int? Port, string? SubscriptionId, string? ResourceGroup, string? Version, bool? SimulateLatency, bool? UseHttps,
        int? OperationPolls, double? OperationSeconds, ConfigSite[]? Sites);

    private sealed record ConfigSite(string Name, string[]? Slots);

    public static CommandLine Parse(string[] args)
    {
        var parsed = new CommandLine();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--port":
                    parsed.Port = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--vault-port":
                    parsed.VaultPort = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--subscription":
                    parsed.SubscriptionId = Value();
                    break;
                case "--resource-group":
                    parsed.ResourceGroup = Value();
                    break;
                case "--version":
                    parsed.Version = Value();
                    break;
                case "--https":
                    parsed.UseHttps = true;
                    break;
                case "--no-latency":
                    parsed.SimulateLatency = false;
                    break;
                case "--operation-polls":
                    parsed.OperationPolls = int.Parse(Value(), CultureInfo.InvariantCulture);
                    break;
                case "--operation-seconds":
                    parsed.OperationDuration = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture));
                    break;
                case "--traffic-retention":
                    var minutes = double.Parse(Value(), CultureInfo.InvariantCulture);
                    parsed.TrafficRetention = minutes is > 0 and <= 24 * 60
                        ? TimeSpan.FromMinutes(minutes)
                        : throw new ArgumentException($"--traffic-retention takes minutes, more than 0 and at most 1440 (one day); got {minutes.ToString(CultureInfo.InvariantCulture)}.");
                    break;
                case "--sites":
                    parsed.Sites.Add(ParseSite(Value()));
                    while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        parsed.Sites.Add(ParseSite(args[++i]));
                    }
                    break;
                case "--load":
                    parsed.Load = ParseLoad(Value());
                    break;
                case "--config":
                    parsed.ApplyConfig(Value());
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. See tools/AppServiceEmulator/README.md.");
            }
        }
        if (parsed.Load is { } load && !parsed.Sites.Any(s => s.Name.Equals(load.Site, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException($"--load names the site '{load.Site}', which --sites does not create.");
        }
        return parsed;
    }

    private static LoadSpec ParseLoad(string text)
    {
        var parts = text.Split(':', 2);
        if (parts.Length != 2 || parts[0].Length == 0
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate is <= 0 or > 1000 || double.IsNaN(rate))
        {
            throw new ArgumentException($"--load takes SITE:REQUESTS_PER_SECOND with a rate above 0 and at most 1000, e.g. demo-app:40; got '{text}'.");
        }
        return new LoadSpec(parts[0], rate);
    }

    private static SiteSpec ParseSite(string text)
    {
        var parts = text.Split(':', 2);
        var slots = parts.Length == 2 ? parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        return new SiteSpec(parts[0], slots);
    }

    private void ApplyConfig(string path)
    {
        var config = JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new ArgumentException($"{path} is empty.");
        Port = config.Port ?? Port;
        SubscriptionId = config.SubscriptionId ?? SubscriptionId;
        ResourceGroup = config.ResourceGroup ?? ResourceGroup;
        Version = config.Version ?? Version;
        SimulateLatency = config.SimulateLatency ?? SimulateLatency;
        UseHttps = config.UseHttps ?? UseHttps;
        OperationPolls = config.OperationPolls ?? OperationPolls;
        OperationDuration = config.OperationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : OperationDuration;
        Sites.AddRange((config.Sites ?? []).Select(s => new SiteSpec(s.Name, s.Slots ?? [])));
    }
}
