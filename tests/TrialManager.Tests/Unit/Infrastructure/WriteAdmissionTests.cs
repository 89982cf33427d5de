using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using System.Diagnostics.Metrics;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Api.Infrastructure.Telemetry;

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
        }, problems, _clock, new TrialManagerMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()));
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

    /// <summary>Ends write number <paramref name="index"/> after it ran for the given time, and waits until that many have started.</summary>
    private async Task FinishAsync(int index, int afterMs, int thenStarted)
    {
        _clock.Advance(TimeSpan.FromMilliseconds(afterMs));
        TaskCompletionSource write;
        lock (_running)
            write = _running[index];
        write.SetResult();
        await WaitUntil(() => _running.Count == thenStarted);
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
            await FinishAsync(i, afterMs: 5, thenStarted: i + 2);
        _running[3].SetResult();
        await Task.WhenAll(writes.Select(w => w.Answered));
        Assert.That(writes.Select(w => w.Context.Response.StatusCode), Is.All.EqualTo(200), "waits under the target are a burst");
    }

    [Test]
    public async Task Clients_that_wait_for_their_answers_are_never_refused_however_long_they_queue()
    {
        var writes = Enumerable.Range(0, 4).Select(_ => Write()).ToList();
        await WaitUntil(() => _running.Count == 1);
        // A closed loop: every write that ends is followed by a new one; every wait is far above the target.
        for (var i = 0; i < 10; i++)
        {
            await FinishAsync(i, afterMs: 60, thenStarted: i + 2);
            writes.Add(Write());
        }
        Assert.That(writes.Select(w => w.Answered.IsCompleted ? w.Context.Response.StatusCode : 0), Is.All.Not.EqualTo(503));
        for (var i = 10; i < 13; i++)
            await FinishAsync(i, afterMs: 1, thenStarted: i + 2);
        _running[13].SetResult();
        await Task.WhenAll(writes.Select(w => w.Answered));
        Assert.That(writes.Select(w => w.Context.Response.StatusCode), Is.All.EqualTo(200));
    }

    [Test]
    public async Task A_queue_that_stands_and_grows_refuses_the_next_write_at_once_until_one_starts_without_waiting()
    {
        var (writes, refused) = await ShedAsync();
        Assert.Multiple(() =>
        {
            Assert.That(refused.Context.Response.StatusCode, Is.EqualTo(503));
            Assert.That(refused.Context.Response.Headers.RetryAfter.ToString(), Is.EqualTo("1"));
            Assert.That(_running, Has.Count.EqualTo(4), "the refused write never ran");
        });
        var read = Write("GET");
        await WaitUntil(() => _running.Count == 5);
        Assert.That(read.Answered.IsCompleted, Is.False, "reads are not held back");
        _running[4].SetResult();
        await read.Answered;

        // The writes already queued are served (the fourth runs; the rest start as 5 to 8); then one that finds a free
        // place starts at once and ends the shedding.
        await FinishAsync(3, afterMs: 1, thenStarted: 6);
        for (var i = 5; i < 8; i++)
            await FinishAsync(i, afterMs: 1, thenStarted: i + 2);
        _running[8].SetResult();
        await Task.WhenAll(writes.Select(w => w.Answered));
        var next = Write();
        await WaitUntil(() => _running.Count == 10);
        var behind = new[] { Write(), Write() };
        Assert.That(behind.Select(w => w.Answered.IsCompleted), Is.All.False, "writes behind it wait again instead of being refused");
        _running[9].SetResult();
        await WaitUntil(() => _running.Count == 11);
        _running[10].SetResult();
        await WaitUntil(() => _running.Count == 12);
        _running[11].SetResult();
        await Task.WhenAll(behind.Select(w => w.Answered).Append(next.Answered));
        Assert.That(writes.Append(next).Concat(behind).Select(w => w.Context.Response.StatusCode), Is.All.EqualTo(200), "accepted writes all ran");
    }

    [Test]
    public async Task The_front_of_the_kept_queue_waits_less_than_the_target_and_shedding_goes_on()
    {
        var (writes, refused) = await ShedAsync();
        Assert.That(refused.Context.Response.StatusCode, Is.EqualTo(503));
        // The four queued writes run (they waited long); then one that queues behind the last of them waits 2 ms.
        for (var i = 3; i < 7; i++)
            await FinishAsync(i, afterMs: 1, thenStarted: i + 2);
        var front = Write();
        await FinishAsync(7, afterMs: 2, thenStarted: 9);
        var queued = Write();
        var turnedAway = Write();
        await turnedAway.Answered.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Multiple(() =>
        {
            Assert.That(turnedAway.Context.Response.StatusCode, Is.EqualTo(503), "a short wait at the front of the kept queue is not the end of the overload");
            Assert.That(queued.Answered.IsCompleted, Is.False, "the kept queue still takes one round");
        });
        await FinishAsync(8, afterMs: 1, thenStarted: 10);
        _running[9].SetResult();
        await Task.WhenAll(writes.Select(w => w.Answered).Append(front.Answered).Append(queued.Answered));
        Assert.That(writes.Append(front).Append(queued).Select(w => w.Context.Response.StatusCode), Is.All.EqualTo(200));
    }

    [Test]
    public async Task A_queue_that_stands_again_soon_after_shedding_ended_resumes_it_without_a_whole_interval()
    {
        var (writes, _) = await ShedAsync();
        for (var i = 3; i < 7; i++)
            await FinishAsync(i, afterMs: 1, thenStarted: i + 2);
        await FinishAsync(7, afterMs: 1, thenStarted: 8);
        await writes[7].Answered; // its place is free once it has answered
        // A lull: the next write finds a free place, and shedding ends.
        var lull = Write();
        await WaitUntil(() => _running.Count == 9);
        var waited = Write();
        var behind = Write();
        // The lull's write takes 20 ms: the one that waited for it waited above the target, with a round still waiting.
        await FinishAsync(8, afterMs: 20, thenStarted: 10);
        var turnedAway = Write();
        await turnedAway.Answered.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Multiple(() =>
        {
            Assert.That(turnedAway.Context.Response.StatusCode, Is.EqualTo(503), "shedding resumed at the first wait above the target");
            Assert.That(behind.Answered.IsCompleted, Is.False, "the write already queued keeps its place");
        });
        await FinishAsync(9, afterMs: 1, thenStarted: 11);
        _running[10].SetResult();
        var accepted = writes.Append(lull).Append(waited).Append(behind).ToList();
        await Task.WhenAll(accepted.Select(w => w.Answered));
        Assert.That(accepted.Select(w => w.Context.Response.StatusCode), Is.All.EqualTo(200));
    }

    /// <summary>
    /// Writes arrive faster than they end, and every wait is above the 10 ms target for more than a 100 ms interval,
    /// over which the queue grew: three have run, one runs, four wait, and the next write is answered at once.
    /// </summary>
    private async Task<(List<(DefaultHttpContext Context, Task Answered)> Writes, (DefaultHttpContext Context, Task Answered) Refused)> ShedAsync()
    {
        var writes = new List<(DefaultHttpContext Context, Task Answered)> { Write(), Write() };
        await WaitUntil(() => _running.Count == 1);
        await FinishAsync(0, afterMs: 60, thenStarted: 2);
        writes.AddRange(Enumerable.Range(0, 6).Select(_ => Write()));
        await FinishAsync(1, afterMs: 60, thenStarted: 3);
        await FinishAsync(2, afterMs: 60, thenStarted: 4);
        var refused = Write();
        await refused.Answered.WaitAsync(TimeSpan.FromSeconds(10));
        return (writes, refused);
    }
}
