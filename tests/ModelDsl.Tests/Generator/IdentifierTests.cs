extern alias ModelDslGenerators;

using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelDslGenerators::ModelDsl.Generators;
using ModelDslGenerators::ModelDsl.Generators.Emit;
using ModelDslGenerators::ModelDsl.Generators.Model;
using Xunit;
using LayerKind = ModelDslGenerators::ModelDsl.Ir.LayerKind;
using LayerSpec = ModelDslGenerators::ModelDsl.Ir.LayerSpec;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// Any name C# allows for a model's namespace or class gives compiling code or an MDSL diagnostic on that model, and never
/// costs the other models of the project their code or their diagnostics (issue 13, section 2).
/// </summary>
public sealed class IdentifierTests
{
    private const string Layers = "[Model][TokenInput(5)][Lstm(8)][Dense(4)]";

    /// <summary>Each source declares one model; <c>{0}</c> stands for its layer attributes.</summary>
    [Theory]
    [InlineData("namespace @event; {0} public partial class Tiny;")]
    [InlineData("namespace @class.@int.Demo; {0} public partial class Tiny;")]
    [InlineData("namespace Demo; {0} public partial class @class;")]
    [InlineData("namespace @event; {0} public partial class @event;")]
    [InlineData("namespace var.async.record; {0} public partial class dynamic;")]
    [InlineData("namespace Demo; {0} public partial class @record;")]
    [InlineData("{0} public partial class unmanaged;")]
    [InlineData("{0} public partial class field;")]
    [InlineData("{0} public partial class @assembly;")]
    [InlineData("namespace Démo.Ünïcode; {0} public partial class Modèle_ω;")]
    [InlineData("namespace Demo {{ namespace @namespace {{ {0} public partial class @unsafe; }} }}")]
    [InlineData("namespace System.Demo; {0} public partial class Math;")]
    [InlineData("namespace ModelDsl.Demo; {0} public partial class Runtime;")]
    public void KeywordAndUnicodeNamesGiveCompilingCode(string declaration)
    {
        var run = GeneratorHarness.Run("using ModelDsl;\n" + string.Format(declaration, Layers));

        Assert.Null(run.Result.Exception);
        Assert.True(run.Sources.Length == 1, "no source; " + string.Join("\n", run.Errors));
        Assert.True(run.Errors.IsEmpty, string.Join("\n", run.Errors));
    }

    [Fact]
    public void AModelInAKeywordNamespaceDoesNotCostTheOtherModelsTheirCodeOrDiagnostics()
    {
        // Before: the '@' of "@event" went into the hint name, AddSource threw (CS8785) and the whole generator's output was dropped.
        var run = GeneratorHarness.Run(
            "using ModelDsl;\nnamespace @event;\n" + Layers + " public partial class Tiny;",
            "using ModelDsl;\nnamespace Demo;\n" + Layers + " public partial class Valid;",
            "using ModelDsl;\nnamespace Demo;\n[Model][TokenInput(5)][Lstm(0)][Dense(4)] public partial class Broken;",
            "using ModelDsl;\nnamespace Demo.Other;\n" + Layers + " public partial class AlsoValid;");

        Assert.Null(run.Result.Exception);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "CS8785" or "AD0001" or "MDSL9999");
        Assert.Equal(["Demo.Other.AlsoValid.g.cs", "Demo.Valid.g.cs", "event.Tiny.g.cs"], run.Sources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        Assert.Equal("MDSL0007", Assert.Single(run.ModelDiagnostics).Id);
    }

    [Fact]
    public void ModelsWhoseNamesDifferOnlyInCaseGetDistinctFiles()
    {
        // Hint names are compared ignoring case: "Demo.Tiny" and "Demo.tiny" (or "demo.Tiny") would be one file, and the driver throws.
        var run = GeneratorHarness.Run(
            "using ModelDsl;\nnamespace Demo;\n" + Layers + " public partial class Tiny;",
            "using ModelDsl;\nnamespace Demo;\n" + Layers + " public partial class tiny;",
            "using ModelDsl;\nnamespace demo;\n" + Layers + " public partial class Tiny;",
            "using ModelDsl;\nnamespace Demo;\n" + Layers + " public partial class Other;");

        Assert.Null(run.Result.Exception);
        Assert.Equal(4, run.Sources.Length);
        Assert.Equal(4, run.Sources.Select(s => s.HintName).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("Demo.Other.g.cs", run.Sources.Select(s => s.HintName));
        Assert.True(run.Errors.IsEmpty, string.Join("\n", run.Errors));
    }

    [Theory]
    [InlineData("TrainCpu")]
    [InlineData("InferCpu")]
    [InlineData("StepCpu")]
    [InlineData("TrainGpu")]
    [InlineData("InferGpu")]
    [InlineData("StepGpu")]
    public void AClassNamedLikeAGeneratedProgramClassCompiles(string className)
    {
        var run = GeneratorHarness.Run("using ModelDsl;\nnamespace Demo;\n" + Layers + " public partial class " + className + ";");

        Assert.Null(run.Result.Exception);
        Assert.Single(run.Sources);
        Assert.True(run.Errors.IsEmpty, string.Join("\n", run.Errors));
    }

    [Theory]
    [InlineData("Demo", "Architecture", "MDSL0027")]
    [InlineData("Demo", "CreateCpuProgram", "MDSL0027")]
    [InlineData("Demo", "CreateGpuProgram", "MDSL0027")]
    [InlineData("Demo", "var", "MDSL0027")]
    [InlineData("System", "Math", "MDSL0028")]
    [InlineData("ModelDsl", "Model", "MDSL0028")]
    [InlineData("ModelDsl", "Runtime", "MDSL0028")]
    [InlineData("ILGPU", "Index1D", "MDSL0028")]
    [InlineData("", "System", "MDSL0028")]
    public void ANameTheGeneratedCodeCannotCompileWithGetsADiagnosticOnIt(string @namespace, string className, string id)
    {
        var run = GeneratorHarness.Run("using ModelDsl;\n" + (@namespace.Length == 0 ? "" : "namespace " + @namespace + ";\n") + Layers + " public partial class " + className + ";");

        Assert.Null(run.Result.Exception);
        Assert.Empty(run.Sources);
        var diagnostic = Assert.Single(run.ModelDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(className, run.Input.SyntaxTrees[0].ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Contains(className, diagnostic.GetMessage());
        // No generated code, so no error in it; the only other errors are the declaration's own (a class 'System' breaks 'using System;').
        Assert.Equal(run.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Append(id).Order(), run.Errors.Select(d => d.Id).Order());
    }

    private static ModelDeclaration HandBuilt(string? @namespace, string className) => new(
        @namespace, className, "public",
        new EquatableArray<LayerSpec>(ImmutableArray.Create(new LayerSpec(LayerKind.TokenInput) { Size = 5, Length = 5 }, new LayerSpec(LayerKind.Lstm) { Size = 8 }, new LayerSpec(LayerKind.Dense) { Size = 4 })));

    [Fact]
    public void AnEmitterExceptionCostsOnlyItsModelItsCodeAndIsReportedOnItsDeclaration()
    {
        var models = new[] { HandBuilt("Demo", "First"), HandBuilt("Demo", "Throws"), HandBuilt(null, "Third") };
        string Emit(ModelDeclaration model) => model.ClassName == "Throws" ? throw new InvalidOperationException("boom") : ModelSourceEmitter.Emit(model);

        var emitted = models.Select(m => ModelGenerator.Emit(m, EquatableArray<string>.Empty, unsafeAllowed: true, Emit)).ToArray();

        Assert.Equal(["Demo.First.g.cs", "Third.g.cs"], emitted.Where(e => e.Source is not null).Select(e => e.HintName));
        var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("namespace Demo; public partial class Throws;", path: "Throws.cs");
        var span = new TextSpan(tree.ToString().IndexOf("Throws", StringComparison.Ordinal), "Throws".Length);
        var location = new ModelLocation("Demo.Throws", "Throws.cs", span, tree.GetLineSpan(span).Span);
        var diagnostic = Assert.Single(ModelGenerator.LocateFailures([.. emitted], [location])).ToDiagnostic();
        Assert.Equal("MDSL9999", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Equal("Throws.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Contains("'Throws' (InvalidOperationException: boom)", diagnostic.GetMessage());
    }

    [Fact]
    public void UnsafeCodeNotAllowedIsReportedOnTheModel()
    {
        var compilation = GeneratorHarness.CreateCompilation(allowUnsafe: false, "using ModelDsl;\nnamespace Demo;\n" + Layers + " public partial class Tiny;");

        var run = GeneratorHarness.Run(compilation);

        var diagnostic = Assert.Single(run.ModelDiagnostics);
        Assert.Equal("MDSL0020", diagnostic.Id);
        Assert.Equal(GeneratorHarness.SourcePath(0), diagnostic.Location.GetLineSpan().Path);
        Assert.Equal("Tiny", compilation.SyntaxTrees[0].ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Fact]
    public void Short_names_give_way_to_a_type_of_the_namespace_or_a_member_of_the_class()
    {
        // A type named like an alias in the model's namespace would clash with it (CS0576); a member would hide it.
        var run = GeneratorHarness.Run(
            """
            using ModelDsl;
            namespace Clash { public class Gemm { } [Model][TokenInput(8)][Lstm(4)][Dense(Dim.Vocabulary)] public partial class ByType; }
            namespace Member { [Model][TokenInput(8)][Lstm(4)][Dense(Dim.Vocabulary)] public partial class ByMember { public int Vector512 => 1; } }
            namespace Free { [Model][TokenInput(8)][Lstm(4)][Dense(Dim.Vocabulary)] public partial class Plain; }
            """);
        Assert.Empty(run.ModelDiagnostics);
        if (GeneratorHarness.ReferenceRuntimeAssembly) Assert.Empty(run.Errors);
        string Code(string name) => run.Sources.Single(f => f.HintName.Contains(name, StringComparison.Ordinal)).Text;
        Assert.DoesNotContain("using Gemm =", Code("ByType"));
        Assert.Contains("global::ModelDsl.Cpu.Gemm.Multiply", Code("ByType"));
        Assert.DoesNotContain("using Vector512 =", Code("ByMember"));
        Assert.Contains("using Gemm = global::ModelDsl.Cpu.Gemm;", Code("Plain"));
        Assert.DoesNotContain("global::ModelDsl.Cpu.Gemm.Multiply", Code("Plain"));
    }
}
