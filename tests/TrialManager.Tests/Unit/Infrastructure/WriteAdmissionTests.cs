using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Tests.Unit.Infrastructure;

/// <summary>
/// Write admission on a fake clock, one write at a time: a burst waits its turn, a queue that stands for a whole
/// interval turns further writes away at once (503, Retry-After), and a write that starts without waiting ends that.
/// </summary>
public sealed class WriteAdmissionTests
{
    private readonly FakeTimeProvider _clock = new();
    private WriteAdmission _admission = null!;
    private readonly List<TaskCompletionSource> _running = [];

    [SetUp]
    public void Admission()
    {
        _running.Clear();
        var problems = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider().GetRequiredService<IProblemDetailsService>();
        _admission = new WriteAdmission(_ =>
        {
            var write = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_running)
                _running.Add(write);
            return write.Task;
        }, new WriteAdmissionOptions
        {
            ConcurrentWrites = 1, QueuedWrites = 10, WriteQueueMilliseconds = 60_000, WriteQueueTargetMilliseconds = 10, WriteQueueIntervalMilliseconds = 100,
        }, problems, _clock);
    }

    [TearDown]
    public void Dispose() => _admission.Dispose();

    private (DefaultHttpContext Context, Task Answered) Write(string method = "POST")
    {
        var context = new DefaultHttpContext { Request = { Method = method, Path = "/api/v1/trials" } };
        context.RequestServices = new ServiceCollection().BuildServiceProvider();
        context.Response.Body = new MemoryStream();
        return (context, _admission.InvokeAsync(context));
    }

    /// <summary>Ends the write that runs now, after it ran for the given time; the next one in the queue starts.</summary>
    private async Task FinishRunningAsync(int afterMs, int running)
    {
        _clock.Advance(TimeSpan.FromMilliseconds(afterMs));
        TaskCompletionSource write;
        lock (_running)
            write = _running[running];
        write.SetResult();
        await WaitUntil(() => _running.Count > running + 1);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the next write did not start");
            await Task.Yield();
        }
    }

    [Test]
    public async Task A_burst_waits_its_turn_and_every_write_runs()
    {
        var writes = Enumerable.Range(0, 4).Select(_ => Write()).ToList();
        await WaitUntil(() => _running.Count == 1);
        for (var i = 0; i < 3; i++)
            await FinishRunningAsync(afterMs: 5, running: i);
        _running[3].SetResult();
        await Task.WhenAll(writes.Select(w => w.Answered));
        Assert.That(writes.Select(w => w.Context.Response.StatusCode), Is.All.EqualTo(200), "waits under the target are a burst");
    }

    [Test]
    public async Task A_standing_queue_refuses_the_next_write_at_once_until_one_starts_without_waiting()
    {
        var writes = Enumerable.Range(0, 5).Select(_ => Write()).ToList();
        await WaitUntil(() => _running.Count == 1);
        // Each queued write waited 60 ms more than the last: above the 10 ms target for more than a 100 ms interval.
        for (var i = 0; i < 3; i++)
            await FinishRunningAsync(afterMs: 60, running: i);

        var refused = Write();
        await refused.Answered.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Multiple(() =>
        {
            Assert.That(refused.Context.Response.StatusCode, Is.EqualTo(503));
            Assert.That(refused.Context.Response.Headers.RetryAfter.ToString(), Is.EqualTo("1"));
            Assert.That(_running, Has.Count.EqualTo(4), "the refused write never ran");
        });
        var read = Write("GET");
        await WaitUntil(() => _running.Count == 5);
        Assert.That(read.Answered.IsCompleted, Is.False, "reads are not held back");

        // The writes already queued are served; then one that finds a free place starts at once and ends the shedding.
        _running[3].SetResult();
        await WaitUntil(() => _running.Count == 6);
        _running[4].SetResult();
        _running[5].SetResult();
        await Task.WhenAll(writes.Select(w => w.Answered).Append(read.Answered));
        var next = Write();
        await WaitUntil(() => _running.Count == 7);
        var queued = Write();
        Assert.That(queued.Answered.IsCompleted, Is.False, "a write behind it waits again instead of being refused");
        _running[6].SetResult();
        await WaitUntil(() => _running.Count == 8);
        _running[7].SetResult();
        await Task.WhenAll(next.Answered, queued.Answered);
        Assert.That(writes.Append(next).Append(queued).Select(w => w.Context.Response.StatusCode), Is.All.EqualTo(200), "accepted writes all ran");
    }
}
