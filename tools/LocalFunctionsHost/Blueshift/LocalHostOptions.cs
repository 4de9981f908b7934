using System.Globalization;

namespace Blueshift.LocalFunctionsHost.Blueshift;

/// <summary>The local host's command line: Blueshift's functions, with the settings of a local.settings.json and overrides.</summary>
public sealed record LocalHostOptions(string? SettingsPath, int? Port, IReadOnlyDictionary<string, string> Settings)
{
    public const string Usage = """
        Usage: Blueshift.LocalFunctionsHost [--settings FILE] [--port N] [--setting NAME=VALUE]...
          --settings FILE       local.settings.json: Values are the app settings, Keys the master and host keys
          --port N              HTTP port on 127.0.0.1 (default: Host.LocalHttpPort of the settings, else 7071; 0 picks a free one)
          --setting NAME=VALUE  an app setting on top of the file's (repeatable), e.g. Blueshift__Releases__TickSchedule="*/2 * * * * *"
        """;

    public static LocalHostOptions Parse(IReadOnlyList<string> args)
    {
        string? settings = null;
        int? port = null;
        var overrides = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--settings":
                    settings = Value();
                    break;
                case "--port":
                    port = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535
                        ? p
                        : throw new ArgumentException("--port needs a port number (0-65535).");
                    break;
                case "--setting":
                    var pair = Value().Split('=', 2);
                    if (pair.Length != 2 || pair[0].Trim().Length == 0)
                    {
                        throw new ArgumentException("--setting needs NAME=VALUE, e.g. --setting Blueshift__Releases__TickSchedule=\"*/2 * * * * *\".");
                    }
                    overrides[pair[0].Trim()] = pair[1];
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }
        return new LocalHostOptions(settings, port, overrides);
    }
}
