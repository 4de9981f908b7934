using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator;

/// <summary>How the sample app inside a deployment package behaves (its <c>sample-app.json</c>).</summary>
/// <param name="Version">The version the app reports in <c>x-app-version</c> and its body.</param>
/// <param name="ErrorRate">Fraction (0..1) of requests to <c>/</c> that answer 500; the pattern is deterministic, so N requests fail exactly ⌊N·rate⌋ times.</param>
/// <param name="LatencyMs">Service time added to every request (recorded in the traffic log and the metrics).</param>
/// <param name="Healthy">Whether the health path answers 200 (or 503).</param>
/// <param name="FailStartup">The app does not start: deploying this package fails.</param>
public sealed record AppBehaviour(string Version, double ErrorRate = 0, int LatencyMs = 0, bool Healthy = true, bool FailStartup = false)
{
    /// <summary>What a new slot serves before anything is deployed to it.</summary>
    public static AppBehaviour Initial { get; } = new("1.0.0");

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Version))
        {
            throw new InvalidDataException("The package's version is empty: set \"version\" in sample-app.json.");
        }
        if (ErrorRate is < 0 or > 1 || double.IsNaN(ErrorRate))
        {
            throw new InvalidDataException($"errorRate {ErrorRate} is outside 0..1.");
        }
        if (LatencyMs < 0)
        {
            throw new InvalidDataException($"latencyMs {LatencyMs} is negative.");
        }
    }

    internal JsonObject ToJson() => new()
    {
        ["version"] = Version,
        ["errorRate"] = ErrorRate,
        ["latencyMs"] = LatencyMs,
        ["healthCheck"] = Healthy ? "healthy" : "unhealthy",
        ["failStartup"] = FailStartup,
    };

    internal static AppBehaviour FromJson(JsonNode? node)
    {
        if (node is not JsonObject manifest)
        {
            throw new InvalidDataException("sample-app.json is not a JSON object.");
        }
        try
        {
            var health = manifest["healthCheck"]?.GetValue<string>() ?? "healthy";
            if (health is not ("healthy" or "unhealthy"))
            {
                throw new InvalidDataException($"healthCheck must be \"healthy\" or \"unhealthy\", not \"{health}\".");
            }
            var behaviour = new AppBehaviour(
                manifest["version"]?.GetValue<string>() ?? "",
                manifest["errorRate"]?.GetValue<double>() ?? 0,
                manifest["latencyMs"]?.GetValue<int>() ?? 0,
                health == "healthy",
                manifest["failStartup"]?.GetValue<bool>() ?? false);
            behaviour.Validate();
            return behaviour;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException("sample-app.json has a field of the wrong type: " + ex.Message, ex);
        }
    }
}

/// <summary>Builds and reads the zip packages the emulated slots run: a <c>sample-app.json</c> manifest and a page.</summary>
public static class SamplePackage
{
    public const string ManifestName = "sample-app.json";

    public static byte[] Create(string version, double errorRate = 0, int latencyMs = 0, bool healthy = true, bool failStartup = false) =>
        Create(new AppBehaviour(version, errorRate, latencyMs, healthy, failStartup));

    public static byte[] Create(AppBehaviour behaviour)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        behaviour.Validate();
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var writer = new StreamWriter(zip.CreateEntry(ManifestName).Open()))
            {
                writer.Write(behaviour.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            using (var writer = new StreamWriter(zip.CreateEntry("index.html").Open()))
            {
                writer.Write($"<!doctype html><title>sample app {behaviour.Version}</title><p>sample app {behaviour.Version}</p>");
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Reads the manifest of a package; <see cref="InvalidDataException"/> says what is wrong with an unreadable one.</summary>
    public static AppBehaviour Read(byte[] package)
    {
        ArgumentNullException.ThrowIfNull(package);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(new MemoryStream(package), ZipArchiveMode.Read);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException("The package is not a readable zip archive.", ex);
        }
        using (zip)
        {
            var entry = zip.GetEntry(ManifestName)
                ?? throw new InvalidDataException($"The package has no {ManifestName} at its root.");
            try
            {
                using var stream = entry.Open();
                return AppBehaviour.FromJson(JsonNode.Parse(stream));
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{ManifestName} is not valid JSON: {ex.Message}", ex);
            }
        }
    }
}
