using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Xunit;

namespace Blueshift.LocalFunctionsHost.Tests;

[Collection(LocalHostCollection.Name)]
public sealed class QueueTriggerTests(LocalHostFixture host)
{
    private const string QueueName = "blueshift-diagnostics";

    // How the Functions host expects queue messages by default, and how a producer that ignores it sends them.
    private static readonly QueueClientOptions Base64 = new() { MessageEncoding = QueueMessageEncoding.Base64 };
    private static readonly QueueClientOptions AsStored = new() { MessageEncoding = QueueMessageEncoding.None };

    [Fact]
    public async Task MessageOnQueue_IsDeliveredOnceAndDeleted()
    {
        var queue = new QueueClient(host.Azurite.ConnectionString, QueueName, Base64);
        await queue.CreateIfNotExistsAsync();
        var text = "deliver-" + Guid.NewGuid().ToString("N");

        var sent = (await queue.SendMessageAsync(text)).Value;

        var delivered = await LocalHostFixture.WaitForAsync(
            () => InvocationsOfAsync(text),
            invocations => invocations.Count >= 1,
            TimeSpan.FromSeconds(30),
            $"delivery of {text}");
        Assert.Equal(1, (long)delivered[0]["dequeueCount"]!);
        await LocalHostFixture.WaitForAsync(
            async () => (await queue.PeekMessagesAsync(32)).Value.Count(m => m.MessageId == sent.MessageId),
            count => count == 0,
            TimeSpan.FromSeconds(15),
            "deletion of the delivered message");
        Assert.Single(await InvocationsOfAsync(text));
    }

    [Fact]
    public async Task FailingMessage_IsRetriedMaxDequeueCountTimesThenMovedToPoisonQueue()
    {
        var queue = new QueueClient(host.Azurite.ConnectionString, QueueName, Base64);
        await queue.CreateIfNotExistsAsync();

        await queue.SendMessageAsync("fail");

        var stored = Convert.ToBase64String(Encoding.UTF8.GetBytes("fail"));
        await WaitForPoisonAsync(stored, "the failing message reaching the poison queue");
        var attempts = (await InvocationsOfAsync("fail")).Select(i => (long)i["dequeueCount"]!).ToArray();
        Assert.Equal([1L, 2, 3, 4, 5], attempts);
        Assert.DoesNotContain((await queue.PeekMessagesAsync(32)).Value, m => m.Body.ToString() == "fail");
    }

    [Fact]
    public async Task MessageNotInBase64_IsNeverDeliveredAndReachesThePoisonQueueAsStored()
    {
        var queue = new QueueClient(host.Azurite.ConnectionString, QueueName, AsStored);
        await queue.CreateIfNotExistsAsync();
        var text = "not base64 " + Guid.NewGuid().ToString("N");

        await queue.SendMessageAsync(text);

        await WaitForPoisonAsync(text, "the undecodable message reaching the poison queue");
        Assert.Empty(await InvocationsOfAsync(text));
    }

    private async Task WaitForPoisonAsync(string stored, string what)
    {
        var poison = new QueueClient(host.Azurite.ConnectionString, QueueName + "-poison", AsStored);
        await LocalHostFixture.WaitForAsync(
            async () =>
            {
                try
                {
                    return (await poison.PeekMessagesAsync(32)).Value;
                }
                catch (Azure.RequestFailedException ex) when (ex.Status == 404)
                {
                    return Array.Empty<PeekedMessage>();
                }
            },
            messages => messages.Any(m => m.Body.ToString() == stored),
            TimeSpan.FromSeconds(90),
            what);
    }

    private async Task<List<JsonNode>> InvocationsOfAsync(string message)
    {
        var json = await host.Client.GetStringAsync($"/api/diagnostics/invocations?code={LocalHostFixture.MasterKey}");
        return JsonNode.Parse(json)!.AsArray()
            .Where(i => (string?)i!["function"] == "DiagnosticsQueue" && (string?)i["message"] == message)
            .Select(i => i!)
            .ToList();
    }
}
