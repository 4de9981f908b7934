using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Blueshift.AppServiceEmulator.Tests;

/// <summary>The emulator as run.sh runs it: its own process, configured by the command line.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Main_LoadOption_SendsSyntheticUsersToTheSiteWithNoBound()
    {
        using var emulator = StartEmulator("--sites", "demo-app:staging", "--load", "demo-app:50");
        var control = await emulator.WaitForLineAsync(l => l.StartsWith("Control API:", StringComparison.Ordinal), Bound, "the control API address");
        using var client = new HttpClient { BaseAddress = new Uri(control["Control API:".Length..].Trim()), Timeout = TimeSpan.FromSeconds(30) };

        var traffic = await PollAsync(() => client.GetFromJsonAsync<JsonObject>("traffic?site=demo-app"), t => t!["records"]!.AsArray().Count >= 10, "ten synthetic requests");
        var load = await client.GetFromJsonAsync<JsonObject>("load");

        Assert.Equal("production", traffic!["records"]![0]!["slot"]!.GetValue<string>());
        Assert.True(load!["running"]!.GetValue<bool>());
        Assert.Equal("demo-app", load["site"]!.GetValue<string>());
        Assert.Null(load["maxRequests"]);
        Assert.Null(load["maxDurationSeconds"]);
    }

    [Fact]
    public async Task Main_PrintsTheVaultUri_WhichTheSecretClientReadsWithTheCertificateFromTheControlApi()
    {
        using var emulator = StartEmulator("--sites", "demo-app");
        var control = await emulator.WaitForLineAsync(l => l.StartsWith("Control API:", StringComparison.Ordinal), Bound, "the control API address");
        var vaultLine = await emulator.WaitForLineAsync(l => l.StartsWith("Key Vault:", StringComparison.Ordinal), Bound, "the vault URI");
        using var client = new HttpClient { BaseAddress = new Uri(control["Control API:".Length..].Trim()), Timeout = TimeSpan.FromSeconds(30) };
        var vaultUri = new Uri(vaultLine["Key Vault:".Length..].Trim().Split(' ')[0]);
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await client.GetStringAsync("vault/certificate"));
        var created = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
        using var put = await client.PutAsJsonAsync("vault/secrets/db-password", new { value = "v", created, tags = new { kind = "database-credential" } });

        var secrets = KeyVaultTests.Client(vaultUri, certificate, new KeyVaultTests.FixedCredential(KeyVaultEmulator.DevelopmentToken)).GetPropertiesOfSecretsAsync();
        var listed = new List<Azure.Security.KeyVault.Secrets.SecretProperties>();
        await foreach (var secret in secrets)
        {
            listed.Add(secret);
        }

        Assert.Equal("https", vaultUri.Scheme);
        Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);
        var only = Assert.Single(listed);
        Assert.Equal("db-password", only.Name);
        Assert.Equal(created, only.CreatedOn);
        Assert.Equal("database-credential", only.Tags["kind"]);
    }

    [Fact]
    public async Task Main_Sigterm_StopsPromptlyWithExitCodeZero()
    {
        using var emulator = StartEmulator("--sites", "demo-app:staging", "--load", "demo-app:40");
        await emulator.WaitForLineAsync(l => l.StartsWith("Press Ctrl+C", StringComparison.Ordinal), Bound, "the ready line");

        // Process.Kill sends SIGKILL; run.sh stops its services with kill's default SIGTERM.
        using var kill = ChildProcess.Start("kill", ["-TERM", emulator.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(0, await kill.WaitForExitAsync(Bound));
        var exitCode = await emulator.WaitForExitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(0, exitCode);
    }

    [Theory]
    [InlineData("other-app:40", "which --sites does not create")]
    [InlineData("demo-app", "SITE:REQUESTS_PER_SECOND")]
    [InlineData("demo-app:0", "SITE:REQUESTS_PER_SECOND")]
    public async Task Main_BadLoadOption_ExitsWithUsageError(string load, string expected)
    {
        using var emulator = StartEmulator("--sites", "demo-app:staging", "--load", load);

        var exitCode = await emulator.WaitForExitAsync(Bound);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, emulator.Output);
    }

    private static ChildProcess StartEmulator(params string[] arguments) =>
        ChildProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "Blueshift.AppServiceEmulator.dll"), "--port", "0", "--no-latency", .. arguments]);

    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), bound.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{what} did not happen within {Bound}; last seen: {value}");
            }
        }
    }
}
