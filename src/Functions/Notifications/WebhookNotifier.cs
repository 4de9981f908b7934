using System.Net.Http.Json;
using System.Text.Json;

namespace Blueshift.Functions.Notifications;

/// <summary>POSTs the notification as JSON (its fields plus the seed's text under <c>text</c>) to a webhook.</summary>
internal sealed class WebhookNotifier(HttpClient httpClient) : INotifier
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Kind => "webhook";

    public async Task PostAsync(Uri endpoint, ReleaseNotification notification, CancellationToken cancellationToken)
    {
        var body = new
        {
            notification.Event,
            notification.Time,
            notification.Environment,
            notification.App,
            notification.ReleaseId,
            notification.Version,
            notification.Reason,
            notification.ActionTaken,
            notification.CurrentStatus,
            notification.Impact,
            notification.Resolution,
            notification.Contact,
            Text = notification.ToText(),
        };
        await PostJsonAsync(endpoint, body, cancellationToken);
    }

    public Task PostAsync(Uri endpoint, ComplianceNotification notification, CancellationToken cancellationToken) =>
        PostJsonAsync(endpoint, new
        {
            notification.Event,
            notification.Time,
            notification.App,
            notification.Job,
            notification.RunId,
            notification.Kind,
            notification.Subject,
            notification.Severity,
            notification.Summary,
            notification.Evidence,
            notification.FirstSeen,
            Text = notification.ToText(),
        }, cancellationToken);

    private async Task PostJsonAsync<T>(Uri endpoint, T body, CancellationToken cancellationToken)
    {
        using var response = await httpClient.PostAsJsonAsync(endpoint, body, Json, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // The endpoint's URL may carry a key in its query: name only the host.
            throw new HttpRequestException($"The webhook at {endpoint.Host} answered {(int)response.StatusCode}.", null, response.StatusCode);
        }
    }
}
