namespace Blueshift.ReleaseDemo;

/// <summary>Where Blueshift and the App Service emulator listen, and what the demo releases.</summary>
public sealed record DemoOptions
{
    public const string Usage =
        "usage: Blueshift.ReleaseDemo --api http://127.0.0.1:7071 --key KEY --emulator http://127.0.0.1:7200/ " +
        "[--app demo-app] [--subscription ID] [--resource-group blueshift] [--bake-time PT10S] [--post-swap-watch PT10S] " +
        "[--traffic-steps 25,100] [--requests-per-second 40] [--timeout 00:06:00] [--compliance-wait 00:03:00]";

    public required Uri Api { get; init; }

    /// <summary>A host or function key of the Functions host; sent as <c>x-functions-key</c>, never printed.</summary>
    public required string FunctionKey { get; init; }

    public required Uri Emulator { get; init; }

    public string App { get; init; } = "demo-app";

    public string SubscriptionId { get; init; } = "00000000-0000-0000-0000-000000000000";

    public string ResourceGroup { get; init; } = "blueshift";

    /// <summary>Bakes under a minute are always inconclusive: the metrics come at a one-minute grain and only whole minutes count.</summary>
    public string BakeTime { get; init; } = "PT75S";

    public string PostSwapWatch { get; init; } = "PT75S";

    public IReadOnlyList<int> TrafficSteps { get; init; } = [25, 100];

    public double RequestsPerSecond { get; init; } = 40;

    /// <summary>How long one release may take before the demo gives up on it.</summary>
    public TimeSpan ReleaseTimeout { get; init; } = TimeSpan.FromMinutes(6);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for the backup-rpo job's finding on the app after the releases; zero skips the compliance part.</summary>
    public TimeSpan ComplianceWait { get; init; } = TimeSpan.FromMinutes(3);

    public string ResourceId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Web/sites/{App}";

    public static DemoOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"Expected '--name value' pairs, got '{args[i]}'.");
            }
            values[args[i][2..]] = args[++i];
        }
        string Required(string name) => values.Remove(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");
        string Optional(string name, string fallback) => values.Remove(name, out var value) ? value : fallback;

        var options = new DemoOptions
        {
            Api = AbsoluteUri(Required("api"), "api"),
            FunctionKey = Required("key"),
            Emulator = AbsoluteUri(Required("emulator"), "emulator"),
            App = Optional("app", "demo-app"),
            SubscriptionId = Optional("subscription", "00000000-0000-0000-0000-000000000000"),
            ResourceGroup = Optional("resource-group", "blueshift"),
            BakeTime = Optional("bake-time", "PT75S"),
            PostSwapWatch = Optional("post-swap-watch", "PT75S"),
            TrafficSteps = [.. Optional("traffic-steps", "25,100").Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))],
            RequestsPerSecond = double.Parse(Optional("requests-per-second", "40"), System.Globalization.CultureInfo.InvariantCulture),
            ReleaseTimeout = TimeSpan.Parse(Optional("timeout", "00:06:00"), System.Globalization.CultureInfo.InvariantCulture),
            ComplianceWait = TimeSpan.Parse(Optional("compliance-wait", "00:03:00"), System.Globalization.CultureInfo.InvariantCulture),
        };
        if (values.Count > 0)
        {
            throw new ArgumentException($"Unknown option --{values.Keys.First()}.");
        }
        return options;
    }

    private static Uri AbsoluteUri(string value, string name)
    {
        if (!Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"--{name} must be an absolute URL, got '{value}'.");
        }
        return uri;
    }
}

/// <summary>A step of the demo failed; the message says which call and what came back (never the key).</summary>
public sealed class DemoException(string message) : Exception(message);
