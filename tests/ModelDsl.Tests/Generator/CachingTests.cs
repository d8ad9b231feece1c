extern alias ModelDslGenerators;

using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelDslGenerators::ModelDsl.Generators;
using Xunit;

namespace ModelDsl.Tests.Generator;

/// <summary>The pipeline must be incremental: unrelated edits reuse every tracked step, and no step holds Roslyn objects.</summary>
public sealed class CachingTests
{
    // One valid model and one with errors, so both the source and the diagnostics outputs carry data.
    private const string InvalidModel = """
        using ModelDsl;
        namespace Demo;
        [Model][TokenInput(60)][Lstm(0)][Dense(4)]
        public partial class Broken;
        """;

    private static readonly string[] TrackedNames = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral)
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void UnrelatedEditReusesEveryTrackedStep()
    {
        var compilation = GeneratorHarness.CreateCompilation(ModelSources.CharLstm, ModelSources.StackedLstm, InvalidModel);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.NotEmpty(TrackedNames);
        foreach (var name in TrackedNames)
        {
            Assert.True(first.TrackedSteps.ContainsKey(name), "Step '" + name + "' did not run.");
        }

        // The edit goes into the original compilation: the driver's output compilation already holds the generated trees.
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Other; public sealed class Unrelated { public int Value => 42; }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        driver = driver.RunGenerators(edited);
        var second = driver.GetRunResult().Results.Single();

        foreach (var name in TrackedNames)
        {
            var outputs = second.TrackedSteps[name].SelectMany(step => step.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, output => Assert.True(
                output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                "Step '" + name + "' produced " + output.Reason + " for " + output.Value + "."));
        }

        Assert.Equal(first.GeneratedSources.Length, second.GeneratedSources.Length);
        Assert.Equal(
            first.Diagnostics.Select(d => d.ToString()),
            second.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void EditingAModelReparsesIt()
    {
        var compilation = GeneratorHarness.CreateCompilation(ModelSources.CharLstm);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.First();
        var changed = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(ModelSources.CharLstm.Replace("Lstm(128)", "Lstm(256)"))));
        var result = driver.RunGenerators(changed).GetRunResult().Results.Single();

        var output = Assert.Single(result.TrackedSteps[TrackingNames.ValidModels].SelectMany(step => step.Outputs));
        Assert.Equal(IncrementalStepRunReason.Modified, output.Reason);
    }

    [Fact]
    public void TrackedOutputsHoldNoRoslynObjects()
    {
        var run = GeneratorHarness.Run(ModelSources.CharLstm, ModelSources.WordEmbeddingLstm, InvalidModel);
        foreach (var name in TrackedNames)
        {
            foreach (var output in run.Result.TrackedSteps[name].SelectMany(step => step.Outputs))
            {
                AssertNoForbiddenObjects(output.Value, name);
            }
        }
    }

    private static readonly Type[] Forbidden =
    [
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(SemanticModel), typeof(Location),
        typeof(SyntaxToken), typeof(AttributeData),
    ];

    private static void AssertNoForbiddenObjects(object root, string step)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(object Value, string Path)>();
        pending.Push((root, step));
        while (pending.Count > 0)
        {
            var (value, path) = pending.Pop();
            var type = value.GetType();
            Assert.False(Forbidden.Any(forbidden => forbidden.IsAssignableFrom(type)), "Step output reaches a " + type + " at " + path + ".");
            if (type.IsPrimitive || type.IsEnum || value is string || value is decimal || (!type.IsValueType && !seen.Add(value)))
            {
                continue;
            }

            if (value is Array array)
            {
                var index = 0;
                foreach (var element in array)
                {
                    if (element is not null)
                    {
                        pending.Push((element, path + "[" + index + "]"));
                    }

                    index++;
                }

                continue;
            }

            for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
            {
                foreach (var field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.GetValue(value) is { } child)
                    {
                        pending.Push((child, path + "." + field.Name));
                    }
                }
            }
        }
    }
}
