// clusterext-helm-helper: one long-lived process per controller that runs Helm 4 operations with
// the Helm SDK (helm.sh/helm/v4), so an install does not pay for a process start, a kube client,
// discovery, the OpenAPI document and a chart download every time (issue 12). It only acts: the
// controller decides every operation and sends it here.
//
// Protocol: one JSON request per line on stdin, one JSON response per line on stdout, matched by
// id; requests run concurrently. Requests carry the kubeconfig and the values (protected ones
// merged in), so nothing secret is ever on the command line; the helper logs nothing of a request.
// A "stop" request followed by stdin closing ends the helper once the operations under way have
// finished (the controller's drain). stdin closing without one means the controller is gone (killed,
// OOM): the helper then cancels its installs and upgrades (Helm records them failed) and exits, so no
// operation goes on unsupervised while a restarted controller recovers the same releases.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/kubectl/pkg/validation"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli"
	"helm.sh/helm/v4/pkg/kube"
	"helm.sh/helm/v4/pkg/registry"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
)

type request struct {
	ID              int64             `json:"id"`
	Op              string            `json:"op"` // upgradeInstall | rollback | uninstall | prepare | ping | stop
	Kubeconfig      string            `json:"kubeconfig"`
	KubeContext     string            `json:"kubeContext,omitempty"`
	ImpersonateUser string            `json:"impersonateUser,omitempty"`
	Release         string            `json:"release"`
	Namespace       string            `json:"namespace"`
	ChartRepository string            `json:"chartRepository,omitempty"`
	ChartName       string            `json:"chartName,omitempty"`
	Version         string            `json:"version,omitempty"`
	ValuesJSON      string            `json:"valuesJson,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
	CreateNamespace bool              `json:"createNamespace,omitempty"`
	TimeoutSeconds  int               `json:"timeoutSeconds"`
	Wait            string            `json:"wait,omitempty"`
	WaitForJobs     bool              `json:"waitForJobs,omitempty"`
	HistoryMax      *int              `json:"historyMax,omitempty"`
	ToRevision      int               `json:"toRevision,omitempty"`
}

type response struct {
	ID    int64  `json:"id"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

const capabilitiesTTL = 30 * time.Second

// cluster holds what every operation on one cluster (one kubeconfig, context and identity) shares:
// the REST config, a discovery client that caches in memory (the OpenAPI documents too), the REST
// mapper and the server's capabilities.
type cluster struct {
	raw        clientcmd.ClientConfig
	restConfig *rest.Config
	discovery  discovery.CachedDiscoveryInterface
	mapper     meta.RESTMapper
	// One kubectl factory per cluster: it caches which API versions support server-side field
	// validation, which otherwise costs a parse of the OpenAPI v3 document of the group-version on
	// every operation (about 70% of an install's CPU in the helper's profile).
	factory kube.Factory

	mu           sync.Mutex
	capabilities *common.Capabilities
	capsAt       time.Time
}

// validatorCachingFactory keeps the schema validator that kubectl's factory builds anew (with an
// empty cache) on every call, so the OpenAPI v3 document of a group-version is parsed once per
// cluster, not once per operation. Reset with the capabilities, so a CRD installed since is seen.
type validatorCachingFactory struct {
	kube.Factory
	mu         sync.Mutex
	validators map[string]validation.Schema
}

func (f *validatorCachingFactory) Validator(directive string) (validation.Schema, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.validators[directive]; ok {
		return v, nil
	}
	v, err := f.Factory.Validator(directive)
	if err != nil {
		return nil, err
	}
	f.validators[directive] = v
	return v, nil
}

func (f *validatorCachingFactory) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.validators = map[string]validation.Schema{}
}

// namespacedGetter is the RESTClientGetter Helm's actions take: the cluster's shared clients, with
// the release namespace as the default namespace (what `helm --namespace` sets).
type namespacedGetter struct {
	c         *cluster
	namespace string
}

func (g namespacedGetter) ToRESTConfig() (*rest.Config, error) {
	return rest.CopyConfig(g.c.restConfig), nil
}
func (g namespacedGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.c.discovery, nil
}
func (g namespacedGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.c.mapper, nil }
func (g namespacedGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return namespacedConfig{inner: g.c.raw, namespace: g.namespace}
}

type namespacedConfig struct {
	inner     clientcmd.ClientConfig
	namespace string
}

func (n namespacedConfig) RawConfig() (clientcmdapi.Config, error) { return n.inner.RawConfig() }
func (n namespacedConfig) ClientConfig() (*rest.Config, error)     { return n.inner.ClientConfig() }
func (n namespacedConfig) Namespace() (string, bool, error) {
	if n.namespace == "" {
		return n.inner.Namespace()
	}
	return n.namespace, true, nil
}
func (n namespacedConfig) ConfigAccess() clientcmd.ConfigAccess { return n.inner.ConfigAccess() }

var _ genericclioptions.RESTClientGetter = namespacedGetter{}

type helper struct {
	settings *cli.EnvSettings
	registry *registry.Client
	logger   slog.Handler

	mu       sync.Mutex
	clusters map[string]*cluster
	// Chart archives by repository, name and version: located (downloaded) once, loaded per
	// operation (an action may change the loaded chart, e.g. drop disabled dependencies).
	charts   map[string]string
	chartsMu sync.Mutex
}

func (h *helper) clusterFor(req *request) (*cluster, error) {
	sum := sha256.Sum256([]byte(req.Kubeconfig + "\x00" + req.KubeContext + "\x00" + req.ImpersonateUser))
	key := hex.EncodeToString(sum[:])
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.clusters[key]; ok {
		return c, nil
	}
	cfg, err := clientcmd.Load([]byte(req.Kubeconfig))
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig could not be read: %w", err)
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: req.KubeContext}
	if req.ImpersonateUser != "" {
		overrides.AuthInfo = clientcmdapi.AuthInfo{Impersonate: req.ImpersonateUser}
	}
	raw := clientcmd.NewNonInteractiveClientConfig(*cfg, req.KubeContext, overrides, nil)
	restConfig, err := raw.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("the kubeconfig could not be used: %w", err)
	}
	// Many releases share this client: a higher client-side rate limit than one helm process's.
	restConfig.QPS = 100
	restConfig.Burst = 200
	restConfig.WarningHandler = rest.NoWarnings{}
	dc, err := discovery.NewDiscoveryClientForConfig(restConfig)
	if err != nil {
		return nil, err
	}
	cached := memory.NewMemCacheClient(dc)
	mapper := restmapper.NewShortcutExpander(restmapper.NewDeferredDiscoveryRESTMapper(cached), cached, nil)
	c := &cluster{raw: raw, restConfig: restConfig, discovery: cached, mapper: mapper}
	c.factory = &validatorCachingFactory{Factory: kube.New(namespacedGetter{c: c}).Factory, validators: map[string]validation.Schema{}}
	h.clusters[key] = c
	return c, nil
}

// capabilitiesOf reads the server version and API versions at most every capabilitiesTTL, where
// the helm CLI reads them (with a fresh discovery) for every operation.
func (c *cluster) capabilitiesOf() (*common.Capabilities, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.capabilities != nil && time.Since(c.capsAt) < capabilitiesTTL {
		return c.capabilities, nil
	}
	c.discovery.Invalidate()
	if f, ok := c.factory.(*validatorCachingFactory); ok {
		f.reset()
	}
	v, err := c.discovery.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("Kubernetes cluster unreachable: %w", err)
	}
	versions, err := action.GetVersionSet(c.discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, err
	}
	c.capabilities = &common.Capabilities{
		APIVersions: versions,
		KubeVersion: common.KubeVersion{Version: v.GitVersion, Major: v.Major, Minor: v.Minor},
		HelmVersion: common.DefaultCapabilities.HelmVersion,
	}
	c.capsAt = time.Now()
	return c.capabilities, nil
}

func (h *helper) configuration(req *request) (*action.Configuration, error) {
	c, err := h.clusterFor(req)
	if err != nil {
		return nil, err
	}
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(h.logger))
	getter := namespacedGetter{c: c, namespace: req.Namespace}
	if err := cfg.Init(getter, req.Namespace, "secret"); err != nil {
		return nil, err
	}
	kc := &kube.Client{Factory: c.factory, Namespace: req.Namespace}
	kc.SetLogger(h.logger)
	cfg.KubeClient = kc
	caps, err := c.capabilitiesOf()
	if err != nil {
		return nil, err
	}
	cfg.Capabilities = caps
	return cfg, nil
}

// chartPath downloads a chart version once (into helm's repository cache, as `helm upgrade
// --repo` would) and gives the archive's path.
func (h *helper) chartPath(req *request) (string, error) {
	oci := strings.HasPrefix(req.ChartRepository, "oci://")
	ref := req.ChartName
	repoURL := req.ChartRepository
	if oci {
		ref = strings.TrimRight(req.ChartRepository, "/") + "/" + req.ChartName
		repoURL = ""
	}
	key := repoURL + "\x00" + ref + "\x00" + req.Version
	h.chartsMu.Lock()
	defer h.chartsMu.Unlock()
	if p, ok := h.charts[key]; ok {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	locator := action.NewInstall(action.NewConfiguration(action.ConfigurationSetLogger(h.logger)))
	locator.SetRegistryClient(h.registry)
	locator.RepoURL = repoURL
	locator.Version = req.Version
	p, err := locator.LocateChart(ref, h.settings)
	if err != nil {
		return "", err
	}
	h.charts[key] = p
	return p, nil
}

func waitStrategy(w string) kube.WaitStrategy {
	if w == "" {
		return kube.HookOnlyStrategy
	}
	return kube.WaitStrategy(w)
}

func (h *helper) upgradeInstall(ctx context.Context, req *request) error {
	cfg, err := h.configuration(req)
	if err != nil {
		return err
	}
	path, err := h.chartPath(req)
	if err != nil {
		return err
	}
	ch, err := loader.Load(path)
	if err != nil {
		return err
	}
	// As `--values <file>` reads them, so numbers and strings come out as with the helm CLI.
	vals, err := common.ReadValues([]byte(req.ValuesJSON))
	if err != nil {
		return fmt.Errorf("the values could not be read: %w", err)
	}
	timeout := time.Duration(req.TimeoutSeconds) * time.Second
	history := action.NewHistory(cfg)
	history.Max = 1
	versions, err := history.Run(req.Release)
	uninstalled := err == nil && len(versions) > 0 && isUninstalled(versions[len(versions)-1])
	if errors.Is(err, driver.ErrReleaseNotFound) || uninstalled {
		install := action.NewInstall(cfg)
		install.ReleaseName = req.Release
		install.Namespace = req.Namespace
		install.CreateNamespace = req.CreateNamespace
		install.Version = req.Version
		install.Timeout = timeout
		install.WaitStrategy = waitStrategy(req.Wait)
		install.WaitForJobs = req.WaitForJobs
		install.Labels = req.Labels
		install.Replace = uninstalled
		_, err = install.RunWithContext(ctx, ch, vals)
		return err
	} else if err != nil {
		return err
	}
	upgrade := action.NewUpgrade(cfg)
	upgrade.Namespace = req.Namespace
	upgrade.Version = req.Version
	upgrade.Timeout = timeout
	upgrade.WaitStrategy = waitStrategy(req.Wait)
	upgrade.WaitForJobs = req.WaitForJobs
	upgrade.Labels = req.Labels
	upgrade.Install = true
	upgrade.MaxHistory = h.settings.MaxHistory
	if req.HistoryMax != nil {
		upgrade.MaxHistory = *req.HistoryMax
	}
	_, err = upgrade.RunWithContext(ctx, req.Release, ch, vals)
	return err
}

func isUninstalled(r any) bool {
	rel, ok := r.(*release.Release)
	return ok && rel.Info != nil && rel.Info.Status == rcommon.StatusUninstalled
}

func (h *helper) rollback(req *request) error {
	cfg, err := h.configuration(req)
	if err != nil {
		return err
	}
	rb := action.NewRollback(cfg)
	rb.Version = req.ToRevision
	rb.Timeout = time.Duration(req.TimeoutSeconds) * time.Second
	rb.WaitStrategy = waitStrategy(req.Wait)
	rb.WaitForJobs = req.WaitForJobs
	rb.MaxHistory = h.settings.MaxHistory
	if req.HistoryMax != nil {
		rb.MaxHistory = *req.HistoryMax
	}
	return rb.Run(req.Release)
}

func (h *helper) uninstall(req *request) error {
	cfg, err := h.configuration(req)
	if err != nil {
		return err
	}
	un := action.NewUninstall(cfg)
	un.IgnoreNotFound = true
	un.DeletionPropagation = "foreground"
	un.Timeout = time.Duration(req.TimeoutSeconds) * time.Second
	un.WaitStrategy = waitStrategy(req.Wait)
	_, err = un.Run(req.Release)
	return err
}

// prepare gets a cluster ready ahead of its first operation: the client, discovery, the server's
// capabilities and the field-validation check of the core and apps group-versions (what the first
// install would otherwise pay for while holding one of the controller's concurrency slots).
func (h *helper) prepare(req *request) error {
	c, err := h.clusterFor(req)
	if err != nil {
		return err
	}
	if _, err := c.capabilitiesOf(); err != nil {
		return err
	}
	schema, err := c.factory.Validator(string(kube.FieldValidationDirectiveStrict))
	if err != nil {
		return err
	}
	for _, manifest := range []string{
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"clusterext-prepare"}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"clusterext-prepare"}}`,
	} {
		// Only the lookups matter; a server without the group-version is no error here.
		_ = schema.ValidateBytes([]byte(manifest))
	}
	return nil
}

func (h *helper) handle(root context.Context, req *request) (err error) {
	defer func() {
		// One operation's panic fails that operation, not every other one under way.
		if r := recover(); r != nil {
			err = fmt.Errorf("the helm helper failed inside Helm: %v", r)
		}
	}()
	timeout := time.Duration(req.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	// Helm stops at its own timeout; the context is a backstop a little later.
	ctx, cancel := context.WithTimeout(root, timeout+30*time.Second)
	defer cancel()
	switch req.Op {
	case "ping":
		return nil
	case "prepare":
		return h.prepare(req)
	case "upgradeInstall":
		return h.upgradeInstall(ctx, req)
	case "rollback":
		return h.rollback(req)
	case "uninstall":
		return h.uninstall(req)
	default:
		return fmt.Errorf("unknown operation %q", req.Op)
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println(common.DefaultCapabilities.HelmVersion.Version)
		return
	}
	if path := os.Getenv("CLUSTEREXT_HELM_HELPER_CPUPROFILE"); path != "" {
		// For the bench's cost breakdown only: a CPU profile of the whole run, written at exit.
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	settings := cli.New()
	rc, err := registry.NewClient(
		registry.ClientOptEnableCache(true),
		registry.ClientOptWriter(io.Discard),
		registry.ClientOptCredentialsFile(settings.RegistryConfig),
	)
	if err != nil {
		fmt.Fprintf(os.Stderr, "the helm helper could not make a registry client: %v\n", err)
		os.Exit(1)
	}
	h := &helper{
		settings: settings,
		registry: rc,
		logger:   slog.NewTextHandler(io.Discard, nil),
		clusters: map[string]*cluster{},
		charts:   map[string]string{},
	}
	slog.SetDefault(slog.New(h.logger))

	// SIGTERM cancels the installs and upgrades under way (Helm then records them failed, which the
	// controller remediates), as it does for a helm process; the helper exits once they answered,
	// or after 10 s. SIGINT (Ctrl-C reaches the whole foreground process group) is left to the
	// controller, which drains and then stops the helper. A reply to a controller that is gone must
	// not kill the helper before Helm has recorded the outcome: SIGPIPE is ignored.
	var running sync.WaitGroup
	root, cancelAll := context.WithCancel(context.Background())
	cancelAndExit := func() {
		cancelAll()
		answered := make(chan struct{})
		go func() {
			running.Wait()
			close(answered)
		}()
		select {
		case <-answered:
		case <-time.After(10 * time.Second):
		}
		os.Exit(1)
	}
	signal.Ignore(os.Interrupt, syscall.SIGPIPE)
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	go func() {
		<-terms
		cancelAndExit()
	}()

	out := json.NewEncoder(os.Stdout)
	var outMu sync.Mutex
	reply := func(r response) {
		outMu.Lock()
		defer outMu.Unlock()
		_ = out.Encode(r)
	}
	in := bufio.NewScanner(os.Stdin)
	// A request carries a kubeconfig and the values: allow large lines.
	in.Buffer(make([]byte, 0, 1<<20), 64<<20)
	stopRequested := false
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			reply(response{ID: req.ID, OK: false, Error: "the helm helper received a request it could not read"})
			continue
		}
		if req.Op == "stop" {
			stopRequested = true
			continue
		}
		running.Add(1)
		go func(req request) {
			defer running.Done()
			if err := h.handle(root, &req); err != nil {
				reply(response{ID: req.ID, OK: false, Error: err.Error()})
				return
			}
			reply(response{ID: req.ID, OK: true})
		}(req)
	}
	if !stopRequested {
		// The controller closed stdin without asking to stop: it was killed.
		cancelAndExit()
	}
	running.Wait()
}
