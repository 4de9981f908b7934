using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Blueshift.Functions.Hosting;
using Blueshift.Functions.Security;
using Blueshift.Testing;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Blueshift.Functions.Tests.Api;

/// <summary>
/// Every GET endpoint the app maps, found through its endpoint data source (so a new one is fuzzed without touching this
/// test), answers generated query strings and route values without a 5xx, and every 4xx as problem details. The generator
/// is seeded: a failure names the seed and the case, and <c>BLUESHIFT_FUZZ_SEED</c> replays another seed.
/// </summary>
public sealed class QueryStringFuzzTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const int DefaultSeed = 20261204;
    private const int Cases = 2_400;
    private const string Site = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop/providers/Microsoft.Web/sites/shop-web";

    // Names no endpoint binds: unknown parameters, near misses, paging words a caller might try, and names that are junk themselves.
    private static readonly string[] ExtraNames =
    [
        "continuationToken", "continuation", "$skiptoken", "next", "page", "top", "$top", "limit", "code", "FROM", "App", "x", "",
        "from[]", "to.", "%00", "%zz", "a%3Db", "ü", "' or 1=1 --", "<a>",
    ];

    [Fact]
    public async Task Get_GeneratedQueryStringsAndRouteValues_NeverAnswer5xxAndEvery4xxIsAProblem()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("BLUESHIFT_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;
        using var app = ApiHost.Create(azurite, new Dictionary<string, string?>
        {
            ["Blueshift:Releases:TableName"] = AzuriteFixture.UniqueName("releases"),
            // Nothing here may reach Azure: a release that tried would fail against a closed loopback port.
            ["Blueshift:Azure:ResourceManagerEndpoint"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Blueshift:Azure:Credential"] = "Development",
            [AppSettings.ConfigurationKey(AppSettings.DiagnosticsEnabled)] = "true",
        });
        using var admin = app.As("admin-1", Roles.Admin);
        using var anonymous = app.CreateClient();
        // Something to find: an app and a release waiting for its approvals, so generated values sometimes name real things.
        (await admin.PutAsync("/api/apps/shop-web", ApiHost.Json($$"""{ "resourceId": "{{Site}}" }"""))).EnsureSuccessStatusCode();
        using var started = await admin.PostAsync("/api/releases", ApiHost.Json(ReleasesApiTests.NormalRelease));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var releaseId = (string)JsonNode.Parse(await started.Content.ReadAsStringAsync())!["id"]!;

        var endpoints = GetEndpoints(app.Services);
        // The enumeration itself is under test: it must see the API's reads, or the fuzzing below would prove nothing.
        foreach (var expected in new[] { "api/audit", "api/apps", "api/apps/{name}", "api/releases", "api/releases/{id}", "api/health" })
        {
            Assert.Contains(endpoints, e => e.Pattern.RawText!.TrimStart('/') == expected);
        }

        var random = new Random(seed);
        var generator = new Generator(random, releaseId);
        for (var i = 0; i < Cases; i++)
        {
            var endpoint = endpoints[i % endpoints.Count];
            var url = generator.Url(endpoint);
            var client = random.Next(10) == 0 ? anonymous : admin;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            var body = status >= 400 ? await response.Content.ReadAsStringAsync() : "";
            var where = $"seed {seed} (BLUESHIFT_FUZZ_SEED), case {i}: GET {url} answered {status}";
            Assert.True(status < 500, $"{where}: {Clip(body)}");
            if (status >= 400)
            {
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{where} as {response.Content.Headers.ContentType}: {Clip(body)}");
            }
        }
    }

    /// <summary>The GET endpoints with the names of the values each binds from the query or the route.</summary>
    private static List<(RoutePattern Pattern, string[] QueryNames)> GetEndpoints(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("GET", StringComparer.OrdinalIgnoreCase) == true)
            .OrderBy(e => e.RoutePattern.RawText, StringComparer.Ordinal)
            .Select(e => (e.RoutePattern, e.Metadata.GetOrderedMetadata<IParameterBindingMetadata>()
                .Where(p => IsPlainValue(p.ParameterInfo) && e.RoutePattern.GetParameter(p.Name) is null)
                .Select(p => p.Name)
                .ToArray()))
            .ToList();

    private static bool IsPlainValue(ParameterInfo parameter)
    {
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        return type == typeof(string) || type.IsPrimitive || type == typeof(DateTimeOffset) || type == typeof(Guid);
    }

    private static string Clip(string text) => text.Length <= 500 ? text : text[..500] + "…";

    private sealed class Generator(Random random, string releaseId)
    {
        private static readonly string[] Instants =
        [
            "0001-01-01T00:00:00Z", "0001-01-01", "0001-01-01T00:00:00.0000001Z", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00",
            "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.9999999Z", "9999-12-31", "9999-12-31T23:59:59-14:00", "9999-12-30T00:00:00Z",
            "9999-12-31T23:59:59+14:00", "0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-05T24:00:00Z",
            "2026-01-05T09:00:00Z", "2026-01-05T09:00:00", "2026-01-05", "2026-01-05T09:00:00.12345678Z", "2026-01-05T09:00:00+99:99",
        ];

        private static readonly string[] Junk =
        [
            "", " ", "%", "%zz", "%00", "%FF%FE", "%C3%28", "%ED%A0%80", "%F0%9F%98", "%E2%80%AE", "%0d%0aX-Injected:%201", "%2F..%2F..%2Fetc%2Fpasswd",
            "null", "true", "-1", "0", "1e400", "99999999999999999999999999", "NaN", "..", "/", "'", "\"", "<script>", "{}", "[]", "%7B%22a%22%3A1%7D",
            "shop-web", "Shop-Web", "shop_web", "active", "Active", "succeeded", "abc%2Cdef", "a,b", "%20%20", "+", "%2B", "\u00e9", "%u0041",
        ];

        public string Url((RoutePattern Pattern, string[] QueryNames) endpoint)
        {
            var path = new StringBuilder();
            foreach (var segment in endpoint.Pattern.PathSegments)
            {
                path.Append('/');
                foreach (var part in segment.Parts)
                {
                    path.Append(part switch
                    {
                        RoutePatternLiteralPart literal => literal.Content,
                        RoutePatternSeparatorPart separator => separator.Content,
                        RoutePatternParameterPart => RouteValue(),
                        _ => "",
                    });
                }
            }

            var names = endpoint.QueryNames.Concat(ExtraNames).ToArray();
            var parameters = new List<string>();
            for (var count = random.Next(0, 6); parameters.Count < count;)
            {
                var name = random.Next(3) == 0 ? Pick(names) : (endpoint.QueryNames.Length > 0 ? Pick(endpoint.QueryNames) : Pick(names));
                var parameter = $"{Escape(name)}={Value(name)}";
                parameters.Add(parameter);
                if (random.Next(8) == 0)
                {
                    // The same parameter again, with the same or another value.
                    parameters.Add(random.Next(2) == 0 ? parameter : $"{Escape(name)}={Value(name)}");
                }
            }
            if (random.Next(20) == 0)
            {
                parameters.Add(Pick(["&", "=", "==", "&&", "a", "=x", "%"]));
            }
            return parameters.Count == 0 ? path.ToString() : $"{path}?{string.Join('&', parameters)}";
        }

        // A NUL in the path never reaches the app: Kestrel refuses the request line (and the test server throws), so route
        // values carry any other byte.
        private string RouteValue() => RawRouteValue().Replace("%00", "%01", StringComparison.Ordinal);

        private string RawRouteValue() => random.Next(6) switch
        {
            0 => Pick(["shop-web", releaseId, "rel-x", "unknown-app"]),
            1 => Uri.EscapeDataString(Pick(Junk).Replace("%", "", StringComparison.Ordinal)) is { Length: > 0 } v ? v : "x",
            2 => Uri.EscapeDataString(Huge()),
            3 => PercentBytes(random.Next(1, 12)),
            _ => Uri.EscapeDataString(Text(random.Next(1, 80))),
        };

        private string Value(string name) => random.Next(10) switch
        {
            0 => "",
            1 => Uri.EscapeDataString(Huge()),
            2 or 3 when name.Equals("from", StringComparison.OrdinalIgnoreCase) || name.Equals("to", StringComparison.OrdinalIgnoreCase)
                => Uri.EscapeDataString(random.Next(3) == 0 ? RandomInstant() : Pick(Instants)),
            2 or 3 => Uri.EscapeDataString(Pick(Instants)),
            4 => Pick(Junk),
            5 => PercentBytes(random.Next(1, 40)),
            6 => Uri.EscapeDataString(Convert.ToBase64String(Bytes(random.Next(1, 300)))),
            7 => Uri.EscapeDataString(Text(random.Next(1, 200))),
            _ => Uri.EscapeDataString(Pick(["shop-web", releaseId, "active", "Succeeded", "2026-01-05T09:00:00Z"])),
        };

        private string RandomInstant()
        {
            var ticks = (long)(random.NextDouble() * DateTimeOffset.MaxValue.UtcTicks);
            var offset = TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1));
            var format = Pick(["yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.fffffffZ", "yyyy-MM-dd", "yyyy-MM-ddTHH:mm"]);
            var text = new DateTime(ticks, DateTimeKind.Utc).ToString(format, CultureInfo.InvariantCulture);
            // An offset can move the instant outside the calendar; that must be a 400, not a crash.
            return random.Next(2) == 0 ? text : text.TrimEnd('Z') + (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
        }

        private string Huge()
        {
            var length = random.Next(2) == 0 ? random.Next(4_000, 9_000) : random.Next(20_000, 40_000);
            return random.Next(2) == 0 ? new string(Pick(['a', '9', '-', 'Z', 'é']), length) : Text(length);
        }

        private string PercentBytes(int count) => string.Concat(Bytes(count).Select(b => "%" + b.ToString("X2", CultureInfo.InvariantCulture)));

        private byte[] Bytes(int count)
        {
            var bytes = new byte[count];
            random.NextBytes(bytes);
            return bytes;
        }

        // Printable and control characters, letters from other scripts, and lone surrogates.
        private string Text(int length)
        {
            var text = new StringBuilder(length);
            for (var i = 0; i < length; i++)
            {
                text.Append(random.Next(10) switch
                {
                    0 => (char)random.Next(0, 32),
                    1 => (char)random.Next(0xD800, 0xE000),
                    2 => (char)random.Next(0x80, 0x2FFF),
                    _ => (char)random.Next(32, 127),
                });
            }
            return text.ToString();
        }

        private static string Escape(string name) => name.Contains('%', StringComparison.Ordinal) ? name : Uri.EscapeDataString(name);

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
    }
}
