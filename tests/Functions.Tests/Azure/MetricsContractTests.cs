using System.Xml;
using Blueshift.Functions.Azure.Monitor;
using Blueshift.Functions.Azure.ResourceManager;
using Xunit;

namespace Blueshift.Functions.Tests.Azure;

/// <summary>The Metrics client against Microsoft's official Metrics REST API examples, over real HTTP.</summary>
public sealed class MetricsContractTests : IAsyncLifetime
{
    private ScriptedArmServer _server = null!;
    private MetricsClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await ScriptedArmServer.StartAsync();
        _client = new MetricsClient(new StaticTokenCredential("metrics-token"), new MetricsClientOptions { Endpoint = _server.Endpoint });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task QueryResourceAsync_GetMetricExample_SendsExampleQueryAndParsesEverySeries()
    {
        var example = ReferenceExamples.Metrics("GetMetric.json");
        var parameters = example["parameters"]!;
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(example, 200)));

        var result = await _client.QueryResourceAsync(parameters["resourceUri"]!.GetValue<string>(), new MetricsQuery
        {
            MetricNames = ["BlobCount", "BlobCapacity"],
            Start = DateTimeOffset.Parse("2021-04-20T09:00:00.000Z"),
            End = DateTimeOffset.Parse("2021-04-20T14:00:00.000Z"),
            Interval = XmlConvert.ToTimeSpan("PT6H"),
            Aggregations = MetricAggregation.Average | MetricAggregation.Minimum | MetricAggregation.Maximum,
            MetricNamespace = "Microsoft.Storage/storageAccounts/blobServices",
            Filter = "Tier eq '*'",
        });

        var request = Assert.Single(_server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/" + parameters["resourceUri"]!.GetValue<string>() + "/providers/Microsoft.Insights/metrics", request.Path);
        foreach (var name in new[] { "timespan", "metricnames", "metricnamespace", "$filter", "aggregation", "interval", "api-version" })
        {
            Assert.Equal(parameters[name]!.GetValue<string>(), request.Query[name]);
        }
        Assert.Equal("Bearer metrics-token", request.Header("Authorization"));

        Assert.Equal(598, result.Cost);
        Assert.Equal("2021-04-20T09:00:00Z/2021-04-20T14:00:00Z", result.Timespan);
        Assert.Equal(TimeSpan.FromHours(1), result.Interval);
        Assert.Equal("microsoft.storage/storageaccounts/blobservices", result.Namespace);
        Assert.Equal("westus2", result.ResourceRegion);
        Assert.Equal(["BlobCount", "BlobCapacity"], result.Metrics.Select(m => m.Name));
        var blobCount = result.Find("blobcount")!;
        Assert.True(blobCount.IsSuccess);
        Assert.Equal(("Count", "Blob Count"), (blobCount.Unit!, blobCount.LocalizedName!));
        Assert.Equal(["Hot", "Standard", "Cool", "Archive", "Untiered"], blobCount.TimeSeries.Select(s => s.Metadata["tier"]));
        var hot = blobCount.TimeSeries[0].Data;
        Assert.Equal(5, hot.Count);
        Assert.Equal(new MetricValue(DateTimeOffset.Parse("2021-04-20T09:00:00Z")) { Average = 7, Minimum = 7, Maximum = 7 }, hot[0]);
        Assert.All(hot, p => Assert.Null(p.Total));
        Assert.Equal("Bytes", result.Find("BlobCapacity")!.Unit);
        Assert.All(result.Metrics.SelectMany(m => m.TimeSeries).SelectMany(s => s.Data), p => Assert.NotNull(p.Average));
    }

    [Fact]
    public async Task QueryResourceAsync_GetMetricErrorExample_ReportsThePerMetricErrorWithoutData()
    {
        var example = ReferenceExamples.Metrics("GetMetricError.json");
        _server.RespondInOrder(new ScriptedResponse(200, ReferenceExamples.ResponseBody(example, 200)));

        var result = await _client.QueryResourceAsync(example["parameters"]!["resourceUri"]!.GetValue<string>(), new MetricsQuery
        {
            MetricNames = ["MongoRequestsCount", "MongoRequests"],
            Start = DateTimeOffset.Parse("2021-06-07T21:51:00Z"),
            End = DateTimeOffset.Parse("2021-06-08T01:51:00Z"),
            Interval = null,
            Aggregations = MetricAggregation.Average,
        });

        var failed = result.Find("MongoRequestsCount")!;
        Assert.False(failed.IsSuccess);
        Assert.Equal("InvalidSamplingType", failed.ErrorCode);
        Assert.StartsWith("Sampling type is not found.", failed.ErrorMessage);
        Assert.Empty(failed.TimeSeries);
        var succeeded = result.Find("MongoRequests")!;
        Assert.True(succeeded.IsSuccess);
        Assert.Equal(0.0, Assert.Single(Assert.Single(succeeded.TimeSeries).Data).Average);
        Assert.Equal(TimeSpan.FromHours(4), result.Interval);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("FULL", request.Query["interval"]);
        Assert.Equal("average", request.Query["aggregation"]);
        Assert.Equal("2021-06-07T21:51:00.000Z/2021-06-08T01:51:00.000Z", request.Query["timespan"]);
    }

    [Theory]
    [InlineData("GetMetric.json")]
    [InlineData("GetMetricError.json")]
    [InlineData("GetMetricMetadata.json")]
    [InlineData("PostMultiResourceMetricBody.json")]
    public async Task QueryResourceAsync_EveryMetricsResponseExample_ParsesEverySeriesAndPoint(string file)
    {
        var body = ReferenceExamples.Metrics(file)["responses"]!["200"]!["body"]!;
        _server.RespondInOrder(new ScriptedResponse(200, body.ToJsonString()));

        var result = await _client.QueryResourceAsync("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app",
            new MetricsQuery { MetricNames = ["Requests"], Start = DateTimeOffset.UnixEpoch, End = DateTimeOffset.UnixEpoch.AddHours(1) });

        var metrics = body["value"]!.AsArray();
        Assert.Equal(metrics.Select(m => m!["name"]!["value"]!.GetValue<string>()), result.Metrics.Select(m => m.Name));
        Assert.Equal(
            metrics.Select(m => m!["timeseries"]!.AsArray().Sum(s => s!["data"]?.AsArray().Count ?? 0)),
            result.Metrics.Select(m => m.TimeSeries.Sum(s => s.Data.Count)));
        Assert.All(result.Metrics.SelectMany(m => m.TimeSeries).SelectMany(s => s.Data), p => Assert.NotEqual(DateTimeOffset.MinValue, p.TimeStamp));
        Assert.Equal(body["timespan"]!.GetValue<string>(), result.Timespan);
    }

    [Fact]
    public async Task QueryResourceAsync_ServiceError_ThrowsWithArmCode()
    {
        _server.RespondInOrder(ScriptedResponse.Json(400, """{"error":{"code":"BadRequest","message":"Failed to find metric configuration for provider: Microsoft.Web, resource Type: sites, metric: Nope"}}"""));

        var error = await Assert.ThrowsAsync<global::Azure.RequestFailedException>(() => _client.QueryResourceAsync(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app",
            new MetricsQuery { MetricNames = ["Nope"], Start = DateTimeOffset.UnixEpoch, End = DateTimeOffset.UnixEpoch.AddMinutes(5) }));

        Assert.Equal((400, "BadRequest"), (error.Status, error.ErrorCode));
        Assert.Contains("Failed to find metric configuration", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("resourceGroups/rg/providers/Microsoft.Web/sites/app")]
    [InlineData("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app?x=1")]
    public async Task QueryResourceAsync_InvalidResourceId_ThrowsWithoutSending(string resourceId)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _client.QueryResourceAsync(resourceId,
            new MetricsQuery { MetricNames = ["Requests"], Start = DateTimeOffset.UnixEpoch, End = DateTimeOffset.UnixEpoch.AddMinutes(5) }));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task QueryResourceAsync_WindowEndingBeforeStart_ThrowsWithoutSending()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.QueryResourceAsync("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app",
            new MetricsQuery { MetricNames = ["Requests"], Start = DateTimeOffset.UnixEpoch, End = DateTimeOffset.UnixEpoch }));

        Assert.Empty(_server.Requests);
    }
}
