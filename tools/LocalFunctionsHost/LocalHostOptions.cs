namespace Blueshift.LocalFunctionsHost;

/// <summary>The local host's command line.</summary>
internal sealed record LocalHostOptions(string ScriptRoot, string? SettingsPath, int? Port, IReadOnlyDictionary<string, string> Schedules)
{
    public const string Usage = """
        Usage: Blueshift.LocalFunctionsHost --script-root DIR [--settings FILE] [--port N] [--schedule FunctionName=EXPR]...
          --script-root DIR   a published function app: host.json, {Function}/function.json, the custom handler
          --settings FILE     local.settings.json (Values become the handler's app settings; Keys hold the function keys)
          --port N            HTTP port on 127.0.0.1 (default: Host.LocalHttpPort of the settings, else 7071; 0 picks a free one)
          --schedule F=EXPR   run timer function F on this 6-field NCRONTAB schedule instead of its own (repeatable)
        """;

    public static LocalHostOptions Parse(IReadOnlyList<string> args)
    {
        string? scriptRoot = null, settings = null;
        int? port = null;
        var schedules = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--script-root":
                    scriptRoot = Value();
                    break;
                case "--settings":
                    settings = Value();
                    break;
                case "--port":
                    port = int.TryParse(Value(), out var p) && p is >= 0 and <= 65535 ? p : throw new ArgumentException("--port needs a port number (0-65535).");
                    break;
                case "--schedule":
                    var pair = Value().Split('=', 2);
                    if (pair.Length != 2 || pair[0].Length == 0 || pair[1].Trim().Length == 0)
                    {
                        throw new ArgumentException("--schedule needs FunctionName=EXPRESSION, e.g. --schedule Heartbeat=\"*/2 * * * * *\".");
                    }
                    schedules[pair[0]] = pair[1].Trim();
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }
        return new LocalHostOptions(scriptRoot ?? throw new ArgumentException("--script-root is required."), settings, port, schedules);
    }
}
