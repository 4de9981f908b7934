using System.Reflection;
using System.Runtime.ExceptionServices;
using DurableTask.Core;
using DurableTask.Core.History;

namespace Blueshift.LocalFunctionsHost.Durable;

/// <summary>
/// Passes every call through to the real orchestration service, but first makes what the gRPC sidecar hands it when an
/// orchestration's step completes (<see cref="IOrchestrationService.CompleteTaskOrchestrationWorkItemAsync"/>) into
/// what DTFx's Azure Storage provider can store and read back. Both repairs concern an orchestration that starts a
/// sub-orchestration (a release starting its rollback):
/// <list type="bullet">
/// <item>The sidecar records the start in the parent's history as its own subclass of
/// <see cref="SubOrchestrationInstanceCreatedEvent"/> (which adds a trace context). The provider writes history rows
/// with a converter that reads only the <c>[DataMember]</c>s of classes marked <c>[DataContract]</c>, walking up from
/// the event's own class; the subclass is not marked (the attribute is not inherited), so the row held nothing but the
/// execution id: no EventType, no name, no instance id. The child ran and completed, but the parent could never load
/// its history again ("The TableEntity did not contain a 'EventType' property"), so it never resumed.</item>
/// <item>The sidecar passes a sub-orchestration's tags as the gRPC request's protobuf map, which the provider writes into
/// the control-queue message with its type name and then cannot read back (the sub-orchestration never started).</item>
/// </list>
/// Both are replaced by the plain DTFx types with the same values, which is what the in-memory test host and the real
/// Functions host store. It is safe: the provider stores the same fields either way, and the only thing the subclass
/// adds, the parent's trace context, was never stored (the provider cannot write it) and only feeds tracing when the
/// sidecar replays the history to the worker, which does not change what the orchestration does.
/// </summary>
internal class StorableHistoryOrchestrationService : DispatchProxy
{
    private IOrchestrationService _inner = null!;

    internal static IOrchestrationService Wrap(IOrchestrationService inner)
    {
        var proxy = Create<IOrchestrationService, StorableHistoryOrchestrationService>();
        ((StorableHistoryOrchestrationService)(object)proxy)._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IOrchestrationService.CompleteTaskOrchestrationWorkItemAsync))
        {
            foreach (var arg in args ?? [])
            {
                MakeStorable(arg);
            }
        }
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    /// <summary>Repairs the events of a runtime state and the messages the provider is about to store or send.</summary>
    internal static void MakeStorable(object? arg)
    {
        switch (arg)
        {
            case TaskOrchestrationWorkItem { OrchestrationRuntimeState: { } state }:
                MakeStorable(state);
                break;
            case OrchestrationRuntimeState state:
                // The new events are what the provider writes; the same instances are in Events, which the provider keeps
                // in memory for the instance's next step, so both lists get the same replacement.
                Replace(state.NewEvents);
                Replace(state.Events);
                break;
            case TaskMessage message:
                message.Event = Storable(message.Event);
                break;
            case IEnumerable<TaskMessage> messages:
                foreach (var message in messages)
                {
                    message.Event = Storable(message.Event);
                }
                break;
        }
    }

    private static void Replace(IList<HistoryEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var storable = Storable(events[i]);
            if (!ReferenceEquals(storable, events[i]))
            {
                events[i] = storable;
            }
        }
    }

    private static HistoryEvent Storable(HistoryEvent historyEvent)
    {
        switch (historyEvent)
        {
            case SubOrchestrationInstanceCreatedEvent created when created.GetType() != typeof(SubOrchestrationInstanceCreatedEvent):
                return new SubOrchestrationInstanceCreatedEvent(created.EventId)
                {
                    Timestamp = created.Timestamp,
                    IsPlayed = created.IsPlayed,
                    ExtensionData = created.ExtensionData,
                    Name = created.Name,
                    Version = created.Version,
                    InstanceId = created.InstanceId,
                    Input = created.Input,
                    ClientSpanId = created.ClientSpanId,
                    Tags = PlainTags(created.Tags),
                };
            case SubOrchestrationInstanceCreatedEvent { Tags: { } tags } created when tags.GetType() != typeof(Dictionary<string, string>):
                created.Tags = PlainTags(tags);
                return created;
            case ExecutionStartedEvent { Tags: { } tags } started when tags.GetType() != typeof(Dictionary<string, string>):
                started.Tags = PlainTags(tags);
                return started;
            default:
                return historyEvent;
        }
    }

    private static Dictionary<string, string>? PlainTags(IDictionary<string, string>? tags) =>
        tags is null ? null : new Dictionary<string, string>(tags);
}
