using Azure;
using Azure.Core;
using Azure.Messaging;
using Azure.Messaging.EventGrid;

namespace Blueshift.Functions.Notifications;

/// <summary>Publishes the notification as a CloudEvent to an Event Grid topic (key from settings, or the managed identity).</summary>
internal sealed class EventGridNotifier(NotificationOptions options, TokenCredential credential) : INotifier
{
    public string Kind => "eventgrid";

    public async Task PostAsync(Uri endpoint, ReleaseNotification notification, CancellationToken cancellationToken)
    {
        var cloudEvent = new CloudEvent($"/blueshift/apps/{notification.App}/releases/{notification.ReleaseId}", "Blueshift." + notification.Event, notification)
        {
            Time = notification.Time,
            Subject = notification.App,
        };
        await Client(endpoint).SendEventAsync(cloudEvent, cancellationToken);
    }

    public async Task PostAsync(Uri endpoint, ComplianceNotification notification, CancellationToken cancellationToken)
    {
        var cloudEvent = new CloudEvent($"/blueshift/apps/{notification.App}/compliance/{notification.Job}", "Blueshift." + notification.Event, notification)
        {
            Time = notification.Time,
            Subject = notification.App,
        };
        await Client(endpoint).SendEventAsync(cloudEvent, cancellationToken);
    }

    private EventGridPublisherClient Client(Uri endpoint) => string.IsNullOrEmpty(options.EventGridKey)
        ? new EventGridPublisherClient(endpoint, credential)
        : new EventGridPublisherClient(endpoint, new AzureKeyCredential(options.EventGridKey));
}

/// <summary>Settings of the notification channels (configuration section <c>Blueshift:Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Blueshift:Notifications";

    /// <summary>Access key of the Event Grid topics; when empty the app's managed identity publishes.</summary>
    public string? EventGridKey { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
