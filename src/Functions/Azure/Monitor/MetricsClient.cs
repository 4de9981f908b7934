using System.Xml;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Blueshift.Functions.Azure.ResourceManager;

namespace Blueshift.Functions.Azure.Monitor;

/// <summary>
/// A small client of the Azure Monitor Metrics REST API (<c>{resourceId}/providers/Microsoft.Insights/metrics</c>,
/// api-version 2023-10-01). Unexpected statuses throw <see cref="RequestFailedException"/> with the ARM error code.
/// </summary>
public sealed class MetricsClient
{
    /// <summary>The Metrics REST API version.</summary>
    public const string ApiVersion = "2023-10-01";

    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;

    /// <summary>Creates a client authenticating with <paramref name="credential"/> (scope <c>{endpoint}/.default</c>).</summary>
    public MetricsClient(TokenCredential credential, MetricsClientOptions? options = null)
    {
        options ??= new MetricsClientOptions();
        _endpoint = ArmPipeline.NormalizeEndpoint(options.Endpoint);
        var timeProvider = options.TimeProvider ?? throw new ArgumentException("TimeProvider must be set.", nameof(options));
        _pipeline = ArmPipeline.Build(options, _endpoint, credential, timeProvider);
    }

    /// <summary>Queries metrics of one resource, e.g. an App Service slot (<c>…/sites/{name}/slots/{slot}</c>).</summary>
    /// <param name="resourceId">The ARM id of the resource (a leading slash is optional).</param>
    /// <param name="query">What to query.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<MetricsQueryResult> QueryResourceAsync(string resourceId, MetricsQuery query, CancellationToken cancellationToken = default)
    {
        using var message = CreateQueryResourceRequest(resourceId, query);
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        switch (response.Status)
        {
            case 200:
                using (var document = ArmJson.Parse(response))
                {
                    return MetricsQueryResult.FromJson(document.RootElement);
                }
            default:
                throw ArmErrors.Unexpected(response, $"Querying metrics of {resourceId.Trim()}");
        }
    }

    internal HttpMessage CreateQueryResourceRequest(string resourceId, MetricsQuery query)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resourceId);
        ArgumentNullException.ThrowIfNull(query);
        var path = "/" + resourceId.Trim().Trim('/');
        if (!path.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase) || path.Contains('?') || path.Contains('#') || path.Contains("//", StringComparison.Ordinal))
        {
            throw new ArgumentException("The resource id must be an ARM resource id such as /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}.", nameof(resourceId));
        }
        if (query.MetricNames.Count == 0 || query.MetricNames.Count > 20 || query.MetricNames.Any(n => string.IsNullOrWhiteSpace(n) || n.Contains(',')))
        {
            throw new ArgumentException("Query between 1 and 20 metrics, each named without commas.", nameof(query));
        }
        if (query.End <= query.Start)
        {
            throw new ArgumentException("The query window must end after it starts.", nameof(query));
        }
        if (query.Interval is { } grain && grain <= TimeSpan.Zero)
        {
            throw new ArgumentException("The interval must be positive (or null for one point over the whole window).", nameof(query));
        }

        var message = _pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        var uri = message.Request.Uri;
        uri.Reset(_endpoint);
        uri.AppendPath(path, escape: false);
        uri.AppendPath("/providers/Microsoft.Insights/metrics", escape: false);
        uri.AppendQuery("metricnames", string.Join(',', query.MetricNames), escapeValue: true);
        uri.AppendQuery("timespan", MetricsQueryResult.FormatTimespan(query.Start, query.End), escapeValue: true);
        uri.AppendQuery("interval", query.Interval is { } interval ? XmlConvert.ToString(interval) : "FULL", escapeValue: true);
        if (query.Aggregations != MetricAggregation.None)
        {
            uri.AppendQuery("aggregation", FormatAggregations(query.Aggregations), escapeValue: true);
        }
        if (query.MetricNamespace is not null)
        {
            uri.AppendQuery("metricnamespace", query.MetricNamespace, escapeValue: true);
        }
        if (query.Filter is not null)
        {
            uri.AppendQuery("$filter", query.Filter, escapeValue: true);
        }
        uri.AppendQuery("api-version", ApiVersion, escapeValue: true);
        message.Request.Headers.Add("Accept", "application/json");
        return message;
    }

    private static string FormatAggregations(MetricAggregation aggregations) =>
        string.Join(',', new[] { MetricAggregation.Average, MetricAggregation.Count, MetricAggregation.Minimum, MetricAggregation.Maximum, MetricAggregation.Total }
            .Where(a => aggregations.HasFlag(a))
            .Select(a => a.ToString().ToLowerInvariant()));
}
